import { createServer } from 'node:net';
import type { AddressInfo } from 'node:net';
import { describe, expect, it } from 'vitest';
import { UpstreamError, type UpstreamErrorCode } from '../../src/upstream/errors.js';
import { createConvaiClient, type ConvaiClientOptions } from '../../src/upstream/convai-client.js';
import { toUpstreamError } from '../../src/upstream/http-errors.js';
import {
	FAKE_API_KEY,
	encodeSse,
	eventStreamHeaders,
	faults,
	proseEvents,
	sleep,
	sseScript,
	type Script,
} from '../support/fake-convai.js';
import { useFakeConvaiPerTest } from '../support/upstream-client-test.js';

const mindy = { characterName: 'Mindy', description: 'Lawyer in the New York City. Achiever. Stubborn.' };
const fourEvents = ['One', ' two', ' three', ' four'];

const bed = useFakeConvaiPerTest();

function client(overrides: Partial<ConvaiClientOptions> = {}) {
	return createConvaiClient({ baseUrl: bed.fake.url, apiKey: FAKE_API_KEY, dispatcher: bed.agent, ...overrides });
}

interface Outcome {
	events: string[];
	error: unknown;
}

/** Runs a stream to its end; `onEvent` runs after each event is received, before the next is pulled. */
async function collect(stream: AsyncIterable<string>, onEvent?: (events: string[]) => unknown): Promise<Outcome> {
	const events: string[] = [];
	try {
		for await (const event of stream) {
			events.push(event);
			await onEvent?.(events);
		}
	} catch (error) {
		return { events, error };
	}
	return { events, error: undefined };
}

function expectUpstreamError(error: unknown, code: UpstreamErrorCode): UpstreamError {
	expect(error).toBeInstanceOf(UpstreamError);
	expect((error as UpstreamError).code).toBe(code);
	return error as UpstreamError;
}

async function expectClosedByClient(): Promise<void> {
	await bed.fake.allClosed(1000);
	expect(bed.fake.requests.map((request) => request.endedBy)).toEqual(bed.fake.requests.map(() => 'client'));
}

describe('request', () => {
	it('posts the form fields and headers Convai expects, with or without a trailing slash on baseUrl', async () => {
		const awkward = { characterName: 'Zoë & Ned', description: 'Likes "tiny" + 100% = a=b&c\nsecond line' };
		bed.fake.setScript((form) => sseScript([`Hello ${form.charName}`]));
		for (const baseUrl of [bed.fake.url, `${bed.fake.url}/`]) {
			const outcome = await collect(client({ baseUrl }).streamBackstory(awkward));
			expect(outcome).toEqual({ events: ['Hello Zoë & Ned'], error: undefined });
		}
		for (const request of bed.fake.requests) {
			expect(request.form).toEqual({ charName: awkward.characterName, inputText: awkward.description });
			expect(request.headers['convai-api-key']).toBe(FAKE_API_KEY);
			expect(request.headers.accept).toBe('text/event-stream');
			expect(request.headers['content-type']).toBe('application/x-www-form-urlencoded');
		}
		expect(bed.fake.requests).toHaveLength(2);
	});
});

describe('streaming', () => {
	it('yields every event in order for many stories, chunkings and encodings', async () => {
		for (let seed = 1; seed <= 16; seed++) {
			const prose = proseEvents({ seed, minChars: 300, maxChars: 1500, discordExtras: seed % 2 === 0 });
			const lineEnding = (['\n', '\r\n', '\r'] as const)[seed % 3];
			const encoding = { lineEnding, bom: seed % 4 === 0, terminateLastEvent: seed % 5 !== 0 };
			bed.fake.setScript(sseScript(prose.events, { ...encoding, splitAt: 'random', chunkSize: 1 + (seed % 12), seed }));
			const { events, error } = await collect(client().streamBackstory(mindy));
			expect(error, `seed ${seed}`).toBeUndefined();
			expect(events, `seed ${seed}`).toEqual(prose.events);
			expect(events.join('')).toBe(prose.text);
		}
	});

	it('reassembles a story dripped one byte per packet, multi-byte characters included', async () => {
		const prose = proseEvents({ seed: 99, minChars: 60, maxChars: 90, discordExtras: true });
		bed.fake.setScript(faults.drip(prose.events, 1));
		const { events, error } = await collect(client().streamBackstory(mindy));
		expect(error).toBeUndefined();
		expect(events.join('')).toBe(prose.text);
	});

	it('yields each event as it arrives instead of waiting for the end', async () => {
		bed.fake.setScript({ body: [{ write: encodeSse(['first']) }, { delayMs: 400 }, { write: encodeSse(['second']) }] });
		const started = performance.now();
		const arrivals: number[] = [];
		await collect(client().streamBackstory(mindy), () => arrivals.push(performance.now() - started));
		expect(arrivals[0]).toBeLessThan(300);
		expect(arrivals[1]).toBeGreaterThanOrEqual(350);
	});
});

describe('HTTP failures', () => {
	it('maps a wrong API key to unauthorized and never repeats the key', async () => {
		const secret = 'sk-wrong-secret-key-5f3a';
		const { events, error } = await collect(client({ apiKey: secret }).streamBackstory(mindy));
		expect(events).toEqual([]);
		const upstream = expectUpstreamError(error, 'unauthorized');
		expect(upstream.status).toBe(401);
		expect(upstream.detail).toBe('Invalid API key provided.');
		expect(JSON.stringify([upstream.message, upstream.detail, upstream.stack, String(upstream.cause)])).not.toContain(secret);
	});

	it.each<[string, UpstreamErrorCode, Script, string]>([
		['403 plan not authorized', 'unauthorized', faults.forbidden(), 'Plan not authorized for API access'],
		['429', 'busy', faults.rateLimited(), 'Too many requests'],
		['500 with an HTML page', 'unavailable', faults.htmlPage(500), '500 Server Error'],
		['503 with JSON', 'unavailable', faults.json(503, { INTERNAL_ERROR: 'down' }), 'down'],
		['400 with API_ERROR', 'rejected', faults.json(400, { API_ERROR: 'inputText is too long' }), 'inputText is too long'],
		['200 with a JSON error', 'rejected', faults.json(200, { INTERNAL_ERROR: 'Backstory failed' }), 'Backstory failed'],
		['200 with text/html', 'unavailable', faults.htmlPage(200), '200 Server Error'],
		['200 with text/plain', 'protocol', { headers: { 'content-type': 'text/plain' }, body: [{ write: 'data: x\n\n' }] }, 'data: x'],
		['200 without a content type', 'protocol', { headers: {}, body: [{ write: 'data: x\n\n' }] }, 'data: x'],
	])('maps %s to %s', async (_name, code, script, detailPart) => {
		bed.fake.setScript(script);
		const { events, error } = await collect(client().streamBackstory(mindy));
		expect(events).toEqual([]);
		const upstream = expectUpstreamError(error, code);
		expect(upstream.status).toBe(script.status ?? 200);
		// For logs: Convai's message, or the start of the body when there is none.
		expect(upstream.detail ?? '').toContain(detailPart);
	});

	it('redacts the API key when Convai echoes it in an error body', async () => {
		bed.fake.setScript(faults.json(400, { error: `Key ${FAKE_API_KEY} may not do this` }));
		const upstream = expectUpstreamError((await collect(client().streamBackstory(mindy))).error, 'rejected');
		expect(upstream.detail).toBe('Key [redacted] may not do this');
	});

	it('reads only the start of an endless error body and closes it', async () => {
		bed.fake.setScript({ ...faults.htmlPage(502), body: [{ write: `<html>${'x'.repeat(64 * 1024)}` }, { stall: true }] });
		const started = performance.now();
		const { error } = await collect(client({ idleTimeoutMs: 5000 }).streamBackstory(mindy));
		expectUpstreamError(error, 'unavailable');
		expect(performance.now() - started).toBeLessThan(1000);
		await expectClosedByClient();
	});

	it('maps a refused connection to unavailable', async () => {
		const server = createServer();
		await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
		const { port } = server.address() as AddressInfo;
		await new Promise((resolve) => server.close(resolve));
		const { error } = await collect(client({ baseUrl: `http://127.0.0.1:${port}` }).streamBackstory(mindy));
		expectUpstreamError(error, 'unavailable');
	});

	it('gives up on missing response headers after connectTimeoutMs and closes the request', async () => {
		bed.fake.setScript({ headersAfterMs: 'never' });
		const started = performance.now();
		const { error } = await collect(client({ connectTimeoutMs: 200 }).streamBackstory(mindy));
		expectUpstreamError(error, 'unavailable');
		expect(performance.now() - started).toBeGreaterThanOrEqual(190);
		expect(performance.now() - started).toBeLessThan(900);
		await expectClosedByClient();
	});
});

describe('toUpstreamError', () => {
	const json = 'application/json; charset=utf-8';
	it.each<[unknown, string | undefined]>([
		[{ ERROR: 'Invalid API key provided.', 'Reference ID': 'abc' }, 'Invalid API key provided.'],
		[{ API_ERROR: 'api_key not found.' }, 'api_key not found.'],
		[{ INTERNAL_ERROR: 'boom' }, 'boom'],
		[{ code: 7, error: 'lower-case error' }, 'lower-case error'],
		[{ status: 'failed', message: 'a message' }, 'a message'],
		[{ detail: 'a detail' }, 'a detail'],
		[{ error: { code: 9, message: 'nested message' } }, 'nested message'],
		[{ detail: [{ loc: ['body', 'charName'], msg: 'field required' }] }, 'field required'],
		[{ code: 7, reason: 'first string value' }, 'first string value'],
		[{ code: 7 }, undefined],
		['just a string', 'just a string'],
	])('takes the message of %j', (body, message) => {
		const error = toUpstreamError(400, json, JSON.stringify(body));
		expect(error.code).toBe('rejected');
		expect(error.detail).toBe(message);
	});

	it('does not show a non-JSON 4xx body to users', () => {
		expect(toUpstreamError(404, 'text/html', '<h1>Not here</h1>').detail).toBeUndefined();
	});

	it.each<[number, string | undefined, UpstreamErrorCode, string]>([
		[200, 'application/problem+json', 'rejected', '{"title":"bad input"}'],
		[200, json, 'protocol', 'not json at all'],
		[204, undefined, 'protocol', ''],
		[302, 'text/html', 'protocol', ''],
		[200, 'TEXT/HTML; charset=utf-8', 'unavailable', '<p>maintenance</p>'],
	])('maps %i %s to %s', (status, contentType, code, body) => {
		expect(toUpstreamError(status, contentType, body).code).toBe(code);
	});
});

describe('mid-stream failures and timeouts', () => {
	it('throws interrupted after yielding every event received before the connection dropped', async () => {
		const completeEventsBytes = encodeSse(fourEvents.slice(0, 3)).length;
		bed.fake.setScript(faults.dropAfterBytes(fourEvents, completeEventsBytes + 5));
		const { events, error } = await collect(client().streamBackstory(mindy));
		expect(events).toEqual(fourEvents.slice(0, 3));
		expectUpstreamError(error, 'interrupted');
	});

	it('throws idle-timeout when Convai goes silent, and closes the request', async () => {
		bed.fake.setScript(faults.stallAfterEvents(fourEvents, 2));
		let lastEventAt = 0;
		const { events, error } = await collect(client({ idleTimeoutMs: 200 }).streamBackstory(mindy), () => {
			lastEventAt = performance.now();
		});
		const silentFor = performance.now() - lastEventAt;
		expect(events).toEqual(fourEvents.slice(0, 2));
		expectUpstreamError(error, 'idle-timeout');
		expect(silentFor).toBeGreaterThanOrEqual(190);
		expect(silentFor).toBeLessThan(800);
		await expectClosedByClient();
	});

	it('restarts the idle timer on every chunk, so a slow but steady stream completes', async () => {
		// Five chunks 110 ms apart: 440 ms in all, well over the idle timeout, never silent for as long as it.
		bed.fake.setScript(sseScript(['slow', ' but', ' steady', ' wins', ' the', ' race'], { chunkSize: 15, delayMs: 110 }));
		const { events, error } = await collect(client({ idleTimeoutMs: 250 }).streamBackstory(mindy));
		expect(error).toBeUndefined();
		expect(events.join('')).toBe('slow but steady wins the race');
	});

	it('does not count time the consumer spends between events as upstream silence', async () => {
		bed.fake.setScript(sseScript(fourEvents.slice(0, 3)));
		const { events, error } = await collect(client({ idleTimeoutMs: 100 }).streamBackstory(mindy), () => sleep(180));
		expect(error).toBeUndefined();
		expect(events).toEqual(fourEvents.slice(0, 3));
	});

	it('throws total-timeout when the whole story takes too long, and closes the request', async () => {
		bed.fake.setScript(sseScript(proseEvents({ seed: 5, minChars: 400, maxChars: 400 }).events, { chunkSize: 10, delayMs: 40 }));
		const started = performance.now();
		const { events, error } = await collect(client({ totalTimeoutMs: 300, idleTimeoutMs: 1000 }).streamBackstory(mindy));
		expect(events.length).toBeGreaterThan(0);
		expectUpstreamError(error, 'total-timeout');
		expect(performance.now() - started).toBeGreaterThanOrEqual(290);
		expect(performance.now() - started).toBeLessThan(900);
		await expectClosedByClient();
	});

	it('turns an event larger than the 1 MiB parser limit into a protocol error and closes the request', async () => {
		bed.fake.setScript({ headers: eventStreamHeaders, body: [{ write: `data: ${'x'.repeat(1100 * 1024)}` }, { stall: true }] });
		expectUpstreamError((await collect(client().streamBackstory(mindy))).error, 'protocol');
		await expectClosedByClient();
	});
});

describe('cancellation', () => {
	it('throws the abort reason and closes the request within 1 s when aborted while waiting', async () => {
		bed.fake.setScript(faults.stallAfterEvents(fourEvents, 1));
		const controller = new AbortController();
		const reason = new Error('user cancelled');
		let abortedAt = 0;
		const { events, error } = await collect(client().streamBackstory(mindy, { signal: controller.signal }), () => {
			setTimeout(() => {
				abortedAt = Date.now();
				controller.abort(reason);
			}, 50);
		});
		expect(events).toEqual(['One']);
		expect(error).toBe(reason);
		await expectClosedByClient();
		expect(bed.fake.requests[0]!.closedAt! - abortedAt).toBeLessThan(1000);
	});

	it('closes the request at once when aborted while the consumer holds an event', async () => {
		bed.fake.setScript(faults.stallAfterEvents(fourEvents, 3));
		const controller = new AbortController();
		const stream = client().streamBackstory(mindy, { signal: controller.signal })[Symbol.asyncIterator]();
		expect(await stream.next()).toEqual({ done: false, value: 'One' });
		controller.abort('stop');
		await expectClosedByClient();
		// The events already received are not handed out after an abort.
		await expect(stream.next()).rejects.toBe('stop');
	});

	it('throws the abort reason when aborted before the response headers arrive', async () => {
		bed.fake.setScript({ headersAfterMs: 'never' });
		const { error } = await collect(client().streamBackstory(mindy, { signal: AbortSignal.timeout(100) }));
		expect(error).toBeInstanceOf(DOMException);
		expect((error as DOMException).name).toBe('TimeoutError');
		await expectClosedByClient();
	});

	it('sends nothing when the signal is already aborted', async () => {
		const reason = new Error('too late');
		const { error } = await collect(client().streamBackstory(mindy, { signal: AbortSignal.abort(reason) }));
		expect(error).toBe(reason);
		expect(bed.fake.requests).toHaveLength(0);
	});

	it('closes the request when the consumer stops reading early', async () => {
		bed.fake.setScript(faults.stallAfterEvents(fourEvents, 2));
		for await (const event of client().streamBackstory(mindy)) {
			expect(event).toBe('One');
			break;
		}
		await expectClosedByClient();
	});
});
