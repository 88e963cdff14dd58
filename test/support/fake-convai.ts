/**
 * A scriptable stand-in for Convai's backstory endpoint on 127.0.0.1. Each response follows a
 * script (status, headers, then body steps), and every request records when the connection ended
 * and who ended it, so tests can prove the client closed the upstream request.
 */
import { createServer, type IncomingHttpHeaders, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { mulberry32 } from './random.js';
import { createFakeCharacterApi, type FakeCharacterApi } from './fake-character-api.js';

export { mulberry32 };

export const FAKE_API_KEY = 'fake-convai-key-0123456789';
export const BACKSTORY_PATH = '/character/generate-backstory';

export type Step =
	| { write: string | Uint8Array }
	| { delayMs: number }
	/** Destroys the socket mid-response, like a reset or a crashed upstream. */
	| { drop: true }
	/** Sends nothing more until the client goes away. */
	| { stall: true };

export interface Script {
	status?: number;
	headers?: Record<string, string>;
	/** Holds the status line back; 'never' waits until the client gives up. */
	headersAfterMs?: number | 'never';
	body?: Step[];
}

export type ScriptSource = Script | ((form: Record<string, string>) => Script);

export interface RecordedRequest {
	headers: IncomingHttpHeaders;
	/** The request path, e.g. /character/generate-backstory. */
	path: string;
	/** Form fields; for a JSON body (the Character API's create and delete), its fields. */
	form: Record<string, string>;
	/** Date.now() when the request body had arrived. */
	at: number;
	/** Date.now() when the response ended or the connection closed. */
	closedAt?: number;
	/** 'server': the script ran to its end or dropped the connection; 'client': the client left first. */
	endedBy: 'server' | 'client' | undefined;
	/**
	 * The same moments on performance.now() of this process, the fake Discord's clock, so latencies
	 * across the two fakes subtract directly. `firstWrite`/`lastWrite`: a body write reached the socket;
	 * `ended`: the script finished (end or drop); `closed`: the connection went away.
	 */
	clock: { received: number; firstWrite?: number; lastWrite?: number; ended?: number; closed?: number };
	bytesWritten: number;
}

export interface FakeConvai {
	url: string;
	requests: RecordedRequest[];
	/** The Character API: create, getResponse and delete, with sessions. */
	characters: FakeCharacterApi;
	setScript(script: ScriptSource): void;
	openConnections(): number;
	/** Connections accepted since start, and the most that were open at once: counts sockets, not requests. */
	connectionsOpened(): number;
	peakConnections(): number;
	/** Resolves once every request seen so far has ended; rejects after `timeoutMs`. */
	allClosed(timeoutMs?: number): Promise<void>;
	close(): Promise<void>;
}

export interface FakeConvaiOptions {
	apiKey?: string;
	/**
	 * How long the server keeps an idle keep-alive socket (Node's default: 5000 ms). 0 never closes one
	 * and sends no Keep-Alive hint, so only the client can close its idle sockets: what a leak test needs.
	 */
	keepAliveTimeoutMs?: number;
}

export const eventStreamHeaders = { 'content-type': 'text/event-stream; charset=utf-8', 'cache-control': 'no-cache' };

export async function startFakeConvai(
	defaultScript: ScriptSource = { body: [] },
	{ apiKey = FAKE_API_KEY, keepAliveTimeoutMs }: FakeConvaiOptions = {},
): Promise<FakeConvai> {
	let script = defaultScript;
	const requests: RecordedRequest[] = [];
	const sockets = new Set<Socket>();
	const characters = createFakeCharacterApi();
	let opened = 0;
	let peak = 0;

	const server = createServer((req, res) => {
		const body: Buffer[] = [];
		req.on('data', (chunk: Buffer) => body.push(chunk));
		req.on('end', () => {
			const raw = Buffer.concat(body).toString('utf8');
			const form = parseFields(raw, req.headers['content-type']);
			const clock = { received: performance.now() };
			const path = req.url ?? '';
			const record: RecordedRequest = { headers: req.headers, path, form, at: Date.now(), endedBy: undefined, clock, bytesWritten: 0 };
			requests.push(record);
			res.on('close', () => {
				record.closedAt = Date.now();
				record.clock.closed = performance.now();
				record.endedBy ??= 'client';
			});
			const known = path === BACKSTORY_PATH || characters.isCharacterPath(path);
			if (req.method !== 'POST' || !known) {
				return void respond(res, record, jsonError(404, { detail: 'Not Found' }));
			}
			if (req.headers['convai-api-key'] !== apiKey) {
				return void respond(res, record, jsonError(401, { ERROR: 'Invalid API key provided.' }));
			}
			if (path !== BACKSTORY_PATH) return void respond(res, record, characters.handle(path, raw, req.headers['content-type']));
			void respond(res, record, typeof script === 'function' ? script(form) : script);
		});
	});
	if (keepAliveTimeoutMs !== undefined) server.keepAliveTimeout = keepAliveTimeoutMs;
	server.on('connection', (socket) => {
		sockets.add(socket);
		opened += 1;
		peak = Math.max(peak, sockets.size);
		socket.on('close', () => sockets.delete(socket));
	});
	// A real API host's accept queue is thousands deep; Node's default of 511 would drop a 1,000-stream bench's burst of connects (SYN retried after 1 s, 3 s...).
	await new Promise<void>((resolve) => server.listen({ port: 0, host: '127.0.0.1', backlog: 4_096 }, resolve));
	const { port } = server.address() as AddressInfo;

	return {
		url: `http://127.0.0.1:${port}`,
		requests,
		characters,
		setScript: (next) => void (script = next),
		openConnections: () => sockets.size,
		connectionsOpened: () => opened,
		peakConnections: () => peak,
		allClosed: async (timeoutMs = 1000) => {
			const deadline = Date.now() + timeoutMs;
			while (requests.some((request) => request.closedAt === undefined)) {
				if (Date.now() > deadline) throw new Error(`fake Convai: a request was still open after ${timeoutMs} ms`);
				await sleep(5);
			}
		},
		close: async () => {
			server.closeAllConnections();
			await new Promise<void>((resolve, reject) => server.close((error) => (error ? reject(error) : resolve())));
		},
	};
}

async function respond(res: ServerResponse, record: RecordedRequest, script: Script): Promise<void> {
	const clientGone = new Promise<void>((resolve) => res.once('close', resolve));
	const isOpen = (): boolean => !res.destroyed && !res.writableEnded;
	// A delay ends early when the client leaves, so no timer outlives its response.
	const delay = async (ms: number): Promise<void> => {
		let timer: NodeJS.Timeout | undefined;
		await Promise.race([new Promise((resolve) => (timer = setTimeout(resolve, ms))), clientGone]);
		clearTimeout(timer);
	};
	if (script.headersAfterMs === 'never') return clientGone;
	if (script.headersAfterMs !== undefined) await delay(script.headersAfterMs);
	if (!isOpen()) return;
	res.writeHead(script.status ?? 200, script.headers ?? eventStreamHeaders);
	// Without this, a script that stalls before its first write never sends the status line.
	res.flushHeaders();
	for (const step of script.body ?? []) {
		if (!isOpen()) return;
		// Waiting for the write to reach the socket keeps a following `drop` from discarding it.
		if ('write' in step) {
			const flushed = await Promise.race([new Promise((resolve) => res.write(step.write, () => resolve(true))), clientGone]);
			if (flushed) noteWrite(record, typeof step.write === 'string' ? Buffer.byteLength(step.write) : step.write.length);
		} else if ('delayMs' in step) await delay(step.delayMs);
		else if ('drop' in step) {
			record.endedBy = 'server';
			record.clock.ended = performance.now();
			res.socket?.destroy();
			return;
		} else return clientGone;
	}
	if (!isOpen()) return;
	record.endedBy = 'server';
	record.clock.ended = performance.now();
	res.end();
}

function noteWrite(record: RecordedRequest, bytes: number): void {
	const now = performance.now();
	record.clock.firstWrite ??= now;
	record.clock.lastWrite = now;
	record.bytesWritten += bytes;
}

/** Form fields, or a JSON object's top-level fields as strings. */
function parseFields(raw: string, contentType: string | undefined): Record<string, string> {
	if (!(contentType ?? '').includes('json')) return Object.fromEntries(new URLSearchParams(raw));
	try {
		return Object.fromEntries(Object.entries(JSON.parse(raw) as Record<string, unknown>).map(([key, value]) => [key, String(value)]));
	} catch {
		return {};
	}
}

export function jsonError(status: number, body: unknown): Script {
	return { status, headers: { 'content-type': 'application/json' }, body: [{ write: JSON.stringify(body) }] };
}

export function sleep(ms: number): Promise<void> {
	return new Promise((resolve) => setTimeout(resolve, ms));
}

// ---- Script builders ----------------------------------------------------------------------

export interface SseEncodingOptions {
	lineEnding?: '\n' | '\r\n' | '\r';
	bom?: boolean;
	/** false: the last event ends the stream with no line ending and no blank line. */
	terminateLastEvent?: boolean;
}

export interface ChunkingOptions {
	/** Fixed chunk size, or the largest chunk with splitAt 'random'. */
	chunkSize?: number;
	/** 'event': one write per whole event, as a token-streaming upstream sends them. */
	splitAt?: 'random' | 'every-byte' | 'event';
	seed?: number;
}

export interface SseScriptOptions extends SseEncodingOptions, ChunkingOptions {
	/** Pause between two writes; with `jitter` (0 to 1) each pause is drawn from delayMs × (1 ± jitter), seeded. */
	delayMs?: number;
	jitter?: number;
	/** Pause before the first write, like a model thinking before its first token. */
	firstDelayMs?: number;
}

/** Each text becomes one event; `data: ` keeps a leading space of the text, newlines become more `data:` lines. */
export function encodeSse(events: string[], options: SseEncodingOptions = {}): Uint8Array {
	const eol = options.lineEnding ?? '\n';
	const text = events
		.map((event, index) => {
			const lines = event.split('\n').map((line) => `data: ${line}`).join(eol);
			const isLast = index === events.length - 1;
			return isLast && options.terminateLastEvent === false ? lines : `${lines}${eol}${eol}`;
		})
		.join('');
	const bytes = new TextEncoder().encode(text);
	return options.bom ? Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), bytes]) : bytes;
}

/** Cuts bytes with no regard for characters or line endings, as TCP may. */
export function splitBytes(bytes: Uint8Array, options: ChunkingOptions = {}): Uint8Array[] {
	const random = mulberry32(options.seed ?? 1);
	const maxSize = options.chunkSize ?? (options.splitAt === 'random' ? 16 : bytes.length || 1);
	const chunks: Uint8Array[] = [];
	for (let start = 0; start < bytes.length; ) {
		const size =
			options.splitAt === 'every-byte' ? 1 : options.splitAt === 'random' ? 1 + Math.floor(random() * maxSize) : maxSize;
		chunks.push(bytes.subarray(start, start + size));
		start += size;
	}
	return chunks;
}

export function sseScript(events: string[], options: SseScriptOptions = {}): Script {
	const random = mulberry32((options.seed ?? 1) ^ 0x5eed);
	const pause = (): number => (options.delayMs ?? 0) * (1 + (options.jitter ?? 0) * (2 * random() - 1));
	const chunks = options.splitAt === 'event' ? eventChunks(events, options) : splitBytes(encodeSse(events, options), options);
	const body: Step[] = options.firstDelayMs ? [{ delayMs: options.firstDelayMs }] : [];
	for (const [index, chunk] of chunks.entries()) {
		if (options.delayMs !== undefined && index > 0) body.push({ delayMs: pause() });
		body.push({ write: chunk });
	}
	return { headers: eventStreamHeaders, body };
}

/** Each event encoded on its own (the BOM only before the first, the last one terminated or not as asked). */
function eventChunks(events: string[], options: SseEncodingOptions): Uint8Array[] {
	return events.map((event, index) => {
		const terminated = index < events.length - 1 || options.terminateLastEvent !== false;
		return encodeSse([event], { ...options, bom: options.bom === true && index === 0, terminateLastEvent: terminated });
	});
}

export const faults = {
	dropAfterBytes: (events: string[], bytes: number): Script => ({
		body: [{ write: encodeSse(events).subarray(0, bytes) }, { drop: true }],
	}),
	stallAfterEvents: (events: string[], count: number): Script => ({
		body: [{ write: encodeSse(events.slice(0, count)) }, { stall: true }],
	}),
	drip: (events: string[], delayMs = 1): Script => sseScript(events, { splitAt: 'every-byte', delayMs }),
	htmlPage: (status = 500): Script => ({
		status,
		headers: { 'content-type': 'text/html; charset=utf-8' },
		body: [{ write: `<!DOCTYPE html><html><body><h1>${status} Server Error</h1></body></html>` }],
	}),
	json: jsonError,
	rateLimited: (): Script => jsonError(429, { detail: 'Too many requests' }),
	forbidden: (): Script => jsonError(403, { API_ERROR: 'Plan not authorized for API access' }),
};

// ---- Realistic prose --------------------------------------------------------------------------

export interface ProseOptions {
	seed: number;
	minChars: number;
	maxChars: number;
	/** Mix in mentions, markdown, emoji (surrogate pairs, ZWJ sequences) and accented words. */
	discordExtras?: boolean;
}

export interface Prose {
	text: string;
	/** Token-like pieces of 1–4 words, leading whitespace kept inside; they concatenate to `text`. */
	events: string[];
}

const WORDS = (
	'the a her his old city river lawyer train night letter stubborn quiet bright storm harbor ' +
	'mother brother secret promise winter market lantern courtroom ambition grew learned carried ' +
	'never always whispered argued remembered walked into across beneath with without because ' +
	'although every morning evening she he they it was had could would wanted believed'
).split(' ');

const DISCORD_EXTRAS = [
	'@everyone', '@here', '<@123456789012345678>', '<@&234567890123456789>', '<#345678901234567890>',
	'**bold**', '*italic*', '__underlined__', '~~struck~~', '||spoiler||', '`code`', '> quoted',
	'😀', '👩‍👩‍👧‍👦', '🧙🏽‍♀️', '🏳️‍🌈', '🇯🇵', 'café', 'naïve', 'Zoë', 'Ångström', 'crème brûlée', 'façade',
];

export function proseEvents({ seed, minChars, maxChars, discordExtras = false }: ProseOptions): Prose {
	const random = mulberry32(seed);
	const pick = <T>(items: readonly T[]): T => items[Math.floor(random() * items.length)]!;
	const target = minChars + Math.floor(random() * (maxChars - minChars + 1));
	let text = '';
	while (text.length < target) {
		const words = Array.from({ length: 4 + Math.floor(random() * 12) }, () =>
			discordExtras && random() < 0.15 ? pick(DISCORD_EXTRAS) : pick(WORDS),
		);
		const sentence = `${words.join(' ')}${pick(['.', '.', '.', '!', '?'])}`;
		const separator = text === '' ? '' : random() < 0.2 ? '\n\n' : ' ';
		text += separator + sentence.charAt(0).toUpperCase() + sentence.slice(1);
	}
	if (text.length > maxChars) {
		const cut = isHighSurrogate(text.charCodeAt(maxChars - 1)) ? maxChars - 1 : maxChars;
		text = text.slice(0, cut);
	}
	text = text.trimEnd();

	const tokens = text.match(/\s*\S+/g) ?? [];
	const events: string[] = [];
	for (let index = 0; index < tokens.length; ) {
		const size = 1 + Math.floor(random() * 4);
		events.push(tokens.slice(index, index + size).join(''));
		index += size;
	}
	if (events.join('') !== text) throw new Error('proseEvents: pieces do not add up to the text');
	return { text, events };
}

function isHighSurrogate(code: number): boolean {
	return code >= 0xd800 && code <= 0xdbff;
}
