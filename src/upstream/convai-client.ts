import { request, type Dispatcher } from 'undici';
import { UpstreamError } from './errors.js';
import { isEventStream, toUpstreamError } from './http-errors.js';
import { endpointUrl, errorCode, firstHeader, redact } from './http-util.js';
import { createSseDecoder } from './sse.js';
import type { BackstoryRequest, BackstorySource, StreamOptions } from './types.js';

export interface ConvaiClientOptions {
	/** e.g. `https://api.convai.com`; a trailing slash or a path prefix (proxy) is fine. */
	baseUrl: string;
	apiKey: string;
	/** No bytes from Convai for this long -> 'idle-timeout'. Default 30 s. */
	idleTimeoutMs?: number;
	/** Hard cap on one generation -> 'total-timeout'. Default 10 min, well inside Discord's 15-minute token. */
	totalTimeoutMs?: number;
	/** Time allowed to connect and receive the response headers -> 'unavailable'. Default 10 s. */
	connectTimeoutMs?: number;
	/** For tests and connection pooling; defaults to undici's global dispatcher. */
	dispatcher?: Dispatcher;
}

const BACKSTORY_PATH = 'character/generate-backstory';
/** Error bodies are only read for their message; a broken upstream must not make us buffer megabytes. */
const MAX_ERROR_BODY_BYTES = 8 * 1024;

interface ClientConfig {
	endpoint: URL;
	apiKey: string;
	idleTimeoutMs: number;
	totalTimeoutMs: number;
	connectTimeoutMs: number;
	dispatcher: Dispatcher | undefined;
}

type ResponseBody = Dispatcher.ResponseData['body'];

export function createConvaiClient(options: ConvaiClientOptions): BackstorySource {
	const config: ClientConfig = {
		endpoint: endpointUrl(options.baseUrl, BACKSTORY_PATH),
		apiKey: options.apiKey,
		idleTimeoutMs: options.idleTimeoutMs ?? 30_000,
		totalTimeoutMs: options.totalTimeoutMs ?? 600_000,
		connectTimeoutMs: options.connectTimeoutMs ?? 10_000,
		dispatcher: options.dispatcher,
	};
	return {
		streamBackstory: (backstoryRequest, streamOptions = {}) => streamBackstory(config, backstoryRequest, streamOptions),
	};
}

/**
 * Every way out of this generator (end, error, caller abort, timeout, or the consumer's early
 * `return()`) either consumes the body or destroys it, so no socket is left open.
 * Timeouts and caller aborts all go through one AbortController: undici then tears the request
 * down itself, and the controller's reason tells us which of them happened first.
 */
async function* streamBackstory(
	config: ClientConfig,
	backstoryRequest: BackstoryRequest,
	{ signal }: StreamOptions,
): AsyncGenerator<string, void, undefined> {
	signal?.throwIfAborted();
	const controller = new AbortController();
	const forwardCallerAbort = (): void => controller.abort(signal?.reason);
	signal?.addEventListener('abort', forwardCallerAbort, { once: true });
	const tooLong = (): UpstreamError =>
		new UpstreamError('total-timeout', `No complete backstory within ${config.totalTimeoutMs} ms`);
	const totalTimer = setTimeout(() => controller.abort(tooLong()), config.totalTimeoutMs);
	let body: ResponseBody | undefined;
	let bodyConsumed = false;
	try {
		const response = await openResponse(config, backstoryRequest, controller);
		body = response.body;

		const contentType = firstHeader(response.headers['content-type']);
		const isSuccess = response.statusCode >= 200 && response.statusCode < 300;
		if (!isSuccess || !isEventStream(contentType)) {
			const bodyText = await readErrorBody(body, controller, config);
			signal?.throwIfAborted();
			throw toUpstreamError(response.statusCode, contentType, redact(bodyText, config.apiKey));
		}

		const decoder = createSseDecoder();
		const chunks = body[Symbol.asyncIterator]() as AsyncIterator<Uint8Array>;
		for (;;) {
			const next = await nextChunk(chunks, controller, config);
			if (next.done) break;
			yield* releaseUnlessAborted(decoder.push(next.value), controller.signal);
		}
		bodyConsumed = true;
		yield* releaseUnlessAborted(decoder.end(), controller.signal);
	} finally {
		clearTimeout(totalTimer);
		signal?.removeEventListener('abort', forwardCallerAbort);
		if (!bodyConsumed) body?.destroy();
	}
}

async function openResponse(
	config: ClientConfig,
	backstoryRequest: BackstoryRequest,
	controller: AbortController,
): Promise<Dispatcher.ResponseData> {
	const noHeaders = (): UpstreamError =>
		new UpstreamError('unavailable', `Convai sent no response headers within ${config.connectTimeoutMs} ms`);
	try {
		return await withDeadline(controller, config.connectTimeoutMs, noHeaders, () =>
			sendRequest(config, backstoryRequest, controller.signal),
		);
	} catch (error) {
		throw connectFailure(controller.signal, error);
	}
}

async function nextChunk(
	chunks: AsyncIterator<Uint8Array>,
	controller: AbortController,
	config: ClientConfig,
): Promise<IteratorResult<Uint8Array>> {
	try {
		return await withDeadline(controller, config.idleTimeoutMs, () => idleTimeout(config), () => chunks.next());
	} catch (error) {
		throw midStreamFailure(controller.signal, error, config);
	}
}

/** Events already decoded from a chunk must not be handed out after an abort or a timeout. */
function* releaseUnlessAborted(events: string[], signal: AbortSignal): Generator<string, void, undefined> {
	for (const data of events) {
		signal.throwIfAborted();
		yield data;
	}
}

function sendRequest(
	config: ClientConfig,
	backstoryRequest: BackstoryRequest,
	signal: AbortSignal,
): Promise<Dispatcher.ResponseData> {
	const form = new URLSearchParams({
		charName: backstoryRequest.characterName,
		inputText: backstoryRequest.description,
	});
	return request(config.endpoint, {
		method: 'POST',
		headers: {
			'CONVAI-API-KEY': config.apiKey,
			Accept: 'text/event-stream',
			'Content-Type': 'application/x-www-form-urlencoded',
		},
		body: form.toString(),
		signal,
		// Our own timers are precise and measured in the right places; undici's (≈1 s granularity)
		// stay as a backstop in case a timer of ours is ever skipped.
		headersTimeout: config.connectTimeoutMs,
		bodyTimeout: config.idleTimeoutMs,
		...(config.dispatcher === undefined ? {} : { dispatcher: config.dispatcher }),
	});
}

/**
 * Runs one wait on the upstream with a deadline. The idle timer only runs while we are actually
 * waiting for bytes, so a consumer that is slow between events is not mistaken for a silent upstream.
 */
async function withDeadline<T>(
	controller: AbortController,
	ms: number,
	makeError: () => UpstreamError,
	wait: () => Promise<T>,
): Promise<T> {
	const timer = setTimeout(() => controller.abort(makeError()), ms);
	try {
		return await wait();
	} finally {
		clearTimeout(timer);
	}
}

/** Reads at most MAX_ERROR_BODY_BYTES of an error response, then closes it whatever happened. */
async function readErrorBody(body: ResponseBody, controller: AbortController, config: ClientConfig): Promise<string> {
	const decoder = new TextDecoder();
	const chunks = body[Symbol.asyncIterator]() as AsyncIterator<Uint8Array>;
	let text = '';
	let remaining = MAX_ERROR_BODY_BYTES;
	try {
		while (remaining > 0) {
			const next = await withDeadline(controller, config.idleTimeoutMs, () => idleTimeout(config), () => chunks.next());
			if (next.done) break;
			const kept = next.value.subarray(0, remaining);
			remaining -= kept.length;
			text += decoder.decode(kept, { stream: true });
		}
	} catch {
		// A truncated error body still says enough; the status code decides the error.
	} finally {
		body.destroy();
	}
	return text + decoder.decode();
}

function idleTimeout(config: ClientConfig): UpstreamError {
	return new UpstreamError('idle-timeout', `Convai sent nothing for ${config.idleTimeoutMs} ms`);
}

/** Our own aborts carry the exact error to throw; a caller's abort must surface as its own reason. */
function connectFailure(signal: AbortSignal, error: unknown): unknown {
	if (signal.aborted) return signal.reason;
	return new UpstreamError('unavailable', `Could not reach Convai (${errorCode(error)})`, { cause: error });
}

function midStreamFailure(signal: AbortSignal, error: unknown, config: ClientConfig): unknown {
	if (signal.aborted) return signal.reason;
	if (errorCode(error) === 'UND_ERR_BODY_TIMEOUT') return idleTimeout(config);
	return new UpstreamError('interrupted', `The connection to Convai dropped mid-stream (${errorCode(error)})`, {
		cause: error,
	});
}
