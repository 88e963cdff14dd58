import { describe, expect, it } from 'vitest';
import { UpstreamError } from '../../src/upstream/errors.js';
import { createSseDecoder, type SseDecoderOptions } from '../../src/upstream/sse.js';
import { encodeSse, proseEvents, splitBytes } from '../support/fake-convai.js';

const bytes = (text: string): Uint8Array => new TextEncoder().encode(text);

function decodeChunks(chunks: Uint8Array[], options?: SseDecoderOptions): string[] {
	const decoder = createSseDecoder(options);
	return [...chunks.flatMap((chunk) => decoder.push(chunk)), ...decoder.end()];
}

const decodeText = (text: string): string[] => decodeChunks([bytes(text)]);

describe('createSseDecoder', () => {
	// Multi-byte characters (2, 3 and 4 bytes, plus a ZWJ sequence), CRLF, a leading space and a multi-line event.
	const awkwardStream = bytes('data: Zoë 🧙🏽‍♀️\r\n\r\ndata:  €1\r\ndata: ½\r\n\r\n: ping\r\ndata: end\r\n\r\n');
	const awkwardEvents = ['Zoë 🧙🏽‍♀️', ' €1\n½', 'end'];

	it('decodes the same events wherever the bytes are cut into three chunks', () => {
		for (let first = 0; first <= awkwardStream.length; first++) {
			for (let second = first; second <= awkwardStream.length; second++) {
				const chunks = [awkwardStream.subarray(0, first), awkwardStream.subarray(first, second), awkwardStream.subarray(second)];
				expect(decodeChunks(chunks), `cut at ${first} and ${second}`).toEqual(awkwardEvents);
			}
		}
	});

	it('returns an event whose CR-only line ends close a chunk at once, not when the next bytes come', () => {
		const decoder = createSseDecoder();
		expect(decoder.push(bytes('data: first\r\r'))).toEqual(['first']);
		expect(decoder.push(bytes('data: second\r'))).toEqual([]);
		expect(decoder.push(bytes('\r'))).toEqual(['second']);
	});

	it('decodes CR-only and mixed line endings wherever the bytes are cut', () => {
		const stream = bytes('data: a\rdata: b\r\rdata: c\r\n\r\ndata: d\n\r');
		for (let cut = 0; cut <= stream.length; cut++) {
			expect(decodeChunks([stream.subarray(0, cut), stream.subarray(cut)]), `cut at ${cut}`).toEqual(['a\nb', 'c', 'd']);
		}
	});

	it('decodes a stream fed one byte at a time', () => {
		expect(decodeChunks(splitBytes(awkwardStream, { splitAt: 'every-byte' }))).toEqual(awkwardEvents);
	});

	it('returns each event as soon as its blank line arrives, not before', () => {
		const decoder = createSseDecoder();
		expect(decoder.push(bytes('data: one\n'))).toEqual([]);
		expect(decoder.push(bytes('\ndata: tw'))).toEqual(['one']);
		expect(decoder.push(bytes('o\n\n'))).toEqual(['two']);
		expect(decoder.end()).toEqual([]);
	});

	it.each([
		['LF', '\n'],
		['CRLF', '\r\n'],
		['CR', '\r'],
	] as const)('round-trips generated prose with %s line endings in random chunks', (_name, lineEnding) => {
		for (let seed = 1; seed <= 20; seed++) {
			const prose = proseEvents({ seed, minChars: 200, maxChars: 800, discordExtras: true });
			const chunks = splitBytes(encodeSse(prose.events, { lineEnding }), { splitAt: 'random', chunkSize: 7, seed });
			expect(decodeChunks(chunks).join('')).toBe(prose.text);
		}
	});

	it('strips a UTF-8 BOM, even when it is split across chunks, and keeps the first event', () => {
		const stream = bytes('\uFEFFdata: first\n\ndata: second\n\n');
		expect(stream.subarray(0, 3)).toEqual(new Uint8Array([0xef, 0xbb, 0xbf]));
		expect(decodeChunks([stream])).toEqual(['first', 'second']);
		expect(decodeChunks([stream.subarray(0, 1), stream.subarray(1, 2), stream.subarray(2)])).toEqual(['first', 'second']);
	});

	it('delivers a final event the server ended without a blank line', () => {
		expect(decodeText('data: a\n\ndata: last')).toEqual(['a', 'last']);
		expect(decodeText('data: a\n\ndata: last\n')).toEqual(['a', 'last']);
		expect(decodeText('data: a\r\n\r\ndata: last\r')).toEqual(['a', 'last']);
	});

	it('joins multi-line data with \\n', () => {
		expect(decodeText('data: first line\ndata:\ndata: third line\n\n')).toEqual(['first line\n\nthird line']);
	});

	it('strips exactly one leading space after data:', () => {
		expect(decodeText('data:  two spaces\n\ndata:   three\n\n')).toEqual([' two spaces', '  three']);
	});

	it('accepts data: with no space after the colon', () => {
		expect(decodeText('data:tight\n\n')).toEqual(['tight']);
	});

	it('ignores comments, other fields and events without data', () => {
		const stream = ': keep-alive\n\nevent: ping\nid: 7\nretry: 1000\n\nevent: token\ndata: kept\n\nbogus: field\n\n';
		expect(decodeText(stream)).toEqual(['kept']);
	});

	it('skips events whose data is empty', () => {
		expect(decodeText('data:\n\ndata: \n\ndata: x\n\n')).toEqual(['x']);
	});

	it('turns an event larger than maxBufferSize into a protocol error instead of buffering it', () => {
		const decoder = createSseDecoder({ maxBufferSize: 1000 });
		expect(decoder.push(bytes(`data: ${'x'.repeat(500)}`))).toEqual([]);
		let caught: unknown;
		try {
			decoder.push(bytes('y'.repeat(600)));
		} catch (error) {
			caught = error;
		}
		expect(caught).toBeInstanceOf(UpstreamError);
		expect((caught as UpstreamError).code).toBe('protocol');
		expect(() => decoder.push(bytes('\n\n'))).toThrow(UpstreamError);
	});

	it('accepts an event just under maxBufferSize', () => {
		expect(decodeChunks([bytes(`data: ${'x'.repeat(900)}\n\n`)], { maxBufferSize: 1000 })).toEqual(['x'.repeat(900)]);
	});
});
