import { createParser, type EventSourceParser } from 'eventsource-parser';
import { UpstreamError } from './errors.js';

/** Enough for any sane event; a line or event larger than this means the upstream is broken. */
export const DEFAULT_MAX_SSE_BUFFER_CHARS = 1024 * 1024;

export interface SseDecoderOptions {
	/** Characters the parser may hold while waiting for the end of a line or event. */
	maxBufferSize?: number;
}

/**
 * Turns the raw bytes of an event stream into the `data` of each event, in order.
 * Synchronous and transport-free, so chunk boundaries can be tested exhaustively.
 */
export interface SseDecoder {
	/** Returns the data of every event completed by this chunk (empty data is dropped). */
	push(chunk: Uint8Array): string[];
	/** Call once at end of stream: returns a final event the server did not terminate. */
	end(): string[];
}

export function createSseDecoder(options: SseDecoderOptions = {}): SseDecoder {
	const maxBufferSize = options.maxBufferSize ?? DEFAULT_MAX_SSE_BUFFER_CHARS;
	// Streaming mode keeps a multi-byte character split across chunks whole; TextDecoder also
	// strips a leading BOM, which the parser would otherwise mistake for part of the first field.
	const decoder = new TextDecoder('utf-8');
	let completed: string[] = [];
	let overflowed = false;

	const parser: EventSourceParser = createParser({
		maxBufferSize,
		onEvent: (event) => {
			if (event.data !== '') completed.push(event.data);
		},
		onError: (error) => {
			// Unknown fields and bad `retry` values are harmless; only an overflow is fatal.
			if (error.type === 'max-buffer-size-exceeded') overflowed = true;
		},
	});

	function feed(text: string): string[] {
		// Once over the limit the parser refuses further input, so keep reporting the overflow instead.
		if (!overflowed && text !== '') parser.feed(text);
		if (overflowed) {
			throw new UpstreamError('protocol', `Convai sent an event larger than ${maxBufferSize} characters`);
		}
		const events = completed;
		completed = [];
		return events;
	}

	// The parser holds a chunk's trailing \r until it sees whether \n follows, so with CR-only line
	// endings an event would wait for the next chunk, or be lost if Convai then stalls. A trailing \r
	// is fed as a complete line end instead, and a \n that opens the next chunk (the rest of a CRLF)
	// is dropped.
	let endedWithCarriageReturn = false;
	const settleLineEnds = (text: string): string => {
		const rest = endedWithCarriageReturn && text.startsWith('\n') ? text.slice(1) : text;
		if (rest === '') return rest;
		endedWithCarriageReturn = rest.endsWith('\r');
		return endedWithCarriageReturn ? `${rest}\n` : rest;
	};

	return {
		push: (chunk) => feed(settleLineEnds(decoder.decode(chunk, { stream: true }))),
		// The parser silently drops an event that is not followed by a blank line, so supply one.
		end: () => feed(`${decoder.decode()}\n\n`),
	};
}
