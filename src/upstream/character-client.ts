import { request, type Dispatcher } from 'undici';
import { UpstreamError } from './errors.js';
import { toUpstreamError } from './http-errors.js';
import { endpointUrl, errorCode, firstHeader, redact } from './http-util.js';

/**
 * Convai's Character API: create a character from a name and a backstory, talk to it, delete it.
 * Unlike the backstory endpoint these answer one JSON document, so each call is one request with
 * three deadlines (headers, silence between body chunks, the whole call), one AbortController and
 * the same status-to-error mapping as the backstory client (http-errors.ts).
 */

export interface CharacterClientOptions {
	baseUrl: string;
	apiKey: string;
	/** Time allowed to connect and receive the response headers -> 'unavailable'. Default 10 s. */
	connectTimeoutMs?: number;
	/** No bytes for this long while reading the answer -> 'idle-timeout'. Default 30 s. */
	idleTimeoutMs?: number;
	/** Hard cap on one call -> 'total-timeout'. Default 60 s: a spoken answer takes Convai a while. */
	totalTimeoutMs?: number;
	dispatcher?: Dispatcher;
}

export interface CreateCharacterRequest {
	charName: string;
	/** One of Convai's voice types, e.g. `MALE` or `FEMALE`. */
	voiceType: string;
	backstory: string;
}

export interface CharacterMessage {
	charID: string;
	userText: string;
	/** `-1` starts a new conversation; the answer's sessionID continues it. */
	sessionID: string;
	/** Ask for the spoken answer too (base64 WAV). */
	voiceResponse: boolean;
}

export interface CharacterAnswer {
	charID: string;
	text: string;
	sessionID: string;
	/** The spoken answer as WAV bytes, when asked for and Convai sent it. */
	audio: Buffer | undefined;
	sampleRate: number | undefined;
}

export interface CallOptions {
	/** Aborting closes the request; the call then rejects with the abort reason. */
	signal?: AbortSignal;
}

export interface CharacterApi {
	create(character: CreateCharacterRequest, options?: CallOptions): Promise<{ charID: string }>;
	getResponse(message: CharacterMessage, options?: CallOptions): Promise<CharacterAnswer>;
	delete(charID: string, options?: CallOptions): Promise<void>;
}

export const CHARACTER_PATHS = {
	create: 'character/create',
	getResponse: 'character/getResponse',
	delete: 'character/delete',
} as const;

/** A spoken answer of a minute is a few MB of base64; anything far past that is a broken upstream. */
const MAX_ANSWER_BYTES = 32 * 1024 * 1024;
const MAX_ERROR_BODY_BYTES = 8 * 1024;

interface ClientConfig {
	baseUrl: string;
	apiKey: string;
	connectTimeoutMs: number;
	idleTimeoutMs: number;
	totalTimeoutMs: number;
	dispatcher: Dispatcher | undefined;
}

type Body = { json: unknown } | { form: Record<string, string> };

export function createCharacterClient(options: CharacterClientOptions): CharacterApi {
	const config: ClientConfig = {
		baseUrl: options.baseUrl,
		apiKey: options.apiKey,
		connectTimeoutMs: options.connectTimeoutMs ?? 10_000,
		idleTimeoutMs: options.idleTimeoutMs ?? 30_000,
		totalTimeoutMs: options.totalTimeoutMs ?? 60_000,
		dispatcher: options.dispatcher,
	};
	return {
		async create(character, { signal } = {}) {
			const answer = await call(config, CHARACTER_PATHS.create, { json: character }, signal);
			const charID = stringField(answer, 'charID');
			if (charID === undefined) throw shapeError(answer, 'no charID');
			return { charID };
		},
		async getResponse(message, { signal } = {}) {
			const form = {
				userText: message.userText,
				charID: message.charID,
				sessionID: message.sessionID,
				voiceResponse: message.voiceResponse ? 'True' : 'False',
			};
			const answer = await call(config, CHARACTER_PATHS.getResponse, { form }, signal);
			const text = stringField(answer, 'text');
			const sessionID = stringField(answer, 'sessionID') ?? numberField(answer, 'sessionID')?.toString();
			if (text === undefined || sessionID === undefined) throw shapeError(answer, 'no text or sessionID');
			const audio = stringField(answer, 'audio');
			return {
				charID: stringField(answer, 'charID') ?? message.charID,
				text,
				sessionID,
				audio: audio ? Buffer.from(audio, 'base64') : undefined,
				sampleRate: numberField(answer, 'sample_rate'),
			};
		},
		async delete(charID, { signal } = {}) {
			await call(config, CHARACTER_PATHS.delete, { json: { charID } }, signal);
		},
	};
}

/**
 * One request, its whole answer parsed as JSON. Every way out consumes or destroys the body, so
 * no socket is left open; our own timeouts abort through the controller with the error to throw.
 */
async function call(config: ClientConfig, path: string, body: Body, signal: AbortSignal | undefined): Promise<Record<string, unknown>> {
	signal?.throwIfAborted();
	const controller = new AbortController();
	const forwardCallerAbort = (): void => controller.abort(signal?.reason);
	signal?.addEventListener('abort', forwardCallerAbort, { once: true });
	const totalTimer = setTimeout(
		() => controller.abort(new UpstreamError('total-timeout', `Convai did not answer ${path} within ${config.totalTimeoutMs} ms`)),
		config.totalTimeoutMs,
	);
	let response: Dispatcher.ResponseData | undefined;
	try {
		response = await withDeadline(controller, config.connectTimeoutMs, noHeaders(config), () => send(config, path, body, controller.signal)).catch(
			(error: unknown) => {
				throw controller.signal.aborted ? controller.signal.reason : unreachable(error);
			},
		);
		const isSuccess = response.statusCode >= 200 && response.statusCode < 300;
		const contentType = firstHeader(response.headers['content-type']);
		const text = redact(await readText(response.body, controller, config, isSuccess ? MAX_ANSWER_BYTES : MAX_ERROR_BODY_BYTES), config.apiKey);
		if (!isSuccess) throw toUpstreamError(response.statusCode, contentType, text, 'json');
		const parsed = parseObject(text);
		if (parsed === undefined) throw toUpstreamError(response.statusCode, contentType, text, 'json');
		// Convai reports some failures as a 200 whose JSON carries only an error key.
		if (hasErrorKey(parsed)) throw toUpstreamError(response.statusCode, 'application/json', text, 'json');
		return parsed;
	} finally {
		clearTimeout(totalTimer);
		signal?.removeEventListener('abort', forwardCallerAbort);
		response?.body.destroy();
	}
}

function send(config: ClientConfig, path: string, body: Body, signal: AbortSignal): Promise<Dispatcher.ResponseData> {
	const isJson = 'json' in body;
	return request(endpointUrl(config.baseUrl, path), {
		method: 'POST',
		headers: {
			'CONVAI-API-KEY': config.apiKey,
			Accept: 'application/json',
			'Content-Type': isJson ? 'application/json' : 'application/x-www-form-urlencoded',
		},
		body: isJson ? JSON.stringify(body.json) : new URLSearchParams(body.form).toString(),
		signal,
		// Backstops for our own, more precise timers (undici's run at about 1 s granularity).
		headersTimeout: config.connectTimeoutMs,
		bodyTimeout: config.idleTimeoutMs,
		...(config.dispatcher === undefined ? {} : { dispatcher: config.dispatcher }),
	});
}

/** Reads the body up to `maxBytes` with an idle deadline per chunk. Over the limit: a success is broken, an error is enough. */
async function readText(body: Dispatcher.ResponseData['body'], controller: AbortController, config: ClientConfig, maxBytes: number): Promise<string> {
	const chunks = body[Symbol.asyncIterator]() as AsyncIterator<Uint8Array>;
	const parts: Uint8Array[] = [];
	let size = 0;
	for (;;) {
		let next: IteratorResult<Uint8Array>;
		try {
			next = await withDeadline(controller, config.idleTimeoutMs, idle(config), () => chunks.next());
		} catch (error) {
			if (controller.signal.aborted) throw controller.signal.reason;
			if (errorCode(error) === 'UND_ERR_BODY_TIMEOUT') throw idle(config)();
			throw new UpstreamError('interrupted', `The connection to Convai dropped (${errorCode(error)})`, { cause: error });
		}
		if (next.done) break;
		size += next.value.length;
		if (size > maxBytes) {
			if (maxBytes === MAX_ERROR_BODY_BYTES) {
				parts.push(next.value.subarray(0, next.value.length - (size - maxBytes)));
				break;
			}
			throw new UpstreamError('protocol', `Convai sent an answer larger than ${maxBytes} bytes`);
		}
		parts.push(next.value);
	}
	return new TextDecoder().decode(Buffer.concat(parts));
}

async function withDeadline<T>(controller: AbortController, ms: number, makeError: () => UpstreamError, wait: () => Promise<T>): Promise<T> {
	const timer = setTimeout(() => controller.abort(makeError()), ms);
	try {
		return await wait();
	} finally {
		clearTimeout(timer);
	}
}

const noHeaders = (config: ClientConfig) => (): UpstreamError =>
	new UpstreamError('unavailable', `Convai sent no response headers within ${config.connectTimeoutMs} ms`);
const idle = (config: ClientConfig) => (): UpstreamError =>
	new UpstreamError('idle-timeout', `Convai sent nothing for ${config.idleTimeoutMs} ms`);

function unreachable(error: unknown): UpstreamError {
	return new UpstreamError('unavailable', `Could not reach Convai (${errorCode(error)})`, { cause: error });
}

function parseObject(text: string): Record<string, unknown> | undefined {
	try {
		const value: unknown = JSON.parse(text);
		return typeof value === 'object' && value !== null && !Array.isArray(value) ? (value as Record<string, unknown>) : undefined;
	} catch {
		return undefined;
	}
}

const ERROR_KEYS = ['error', 'api_error', 'internal_error'];
function hasErrorKey(answer: Record<string, unknown>): boolean {
	return Object.keys(answer).some((key) => ERROR_KEYS.includes(key.toLowerCase()));
}

function stringField(answer: Record<string, unknown>, key: string): string | undefined {
	const value = answer[key];
	return typeof value === 'string' && value !== '' ? value : undefined;
}

/** Convai documents some numbers (sample_rate) as strings: either form is read. */
function numberField(answer: Record<string, unknown>, key: string): number | undefined {
	const value = answer[key];
	const number = typeof value === 'string' && value.trim() !== '' ? Number(value) : value;
	return typeof number === 'number' && Number.isFinite(number) ? number : undefined;
}

function shapeError(answer: Record<string, unknown>, what: string): UpstreamError {
	return new UpstreamError('protocol', `Convai's answer had ${what} (keys: ${Object.keys(answer).join(', ') || 'none'})`);
}
