import { describe, expect, it } from 'vitest';
import { createCharacterClient, type CharacterClientOptions } from '../../src/upstream/character-client.js';
import { UpstreamError, type UpstreamErrorCode } from '../../src/upstream/errors.js';
import { fakeWav } from '../support/fake-character-api.js';
import { FAKE_API_KEY, faults, jsonError, sleep, type Script } from '../support/fake-convai.js';
import { useFakeConvaiPerTest } from '../support/upstream-client-test.js';

const bed = useFakeConvaiPerTest();

function client(overrides: Partial<CharacterClientOptions> = {}) {
	return createCharacterClient({ baseUrl: bed.fake.url, apiKey: FAKE_API_KEY, dispatcher: bed.agent, ...overrides });
}

const mindy = { charName: 'Mindy', voiceType: 'FEMALE', backstory: 'Mindy grew up above a tavern.\n\nShe counts every coin twice.' };

async function failure(promise: Promise<unknown>): Promise<UpstreamError> {
	const error = await promise.then(
		() => undefined,
		(reason: unknown) => reason,
	);
	expect(error).toBeInstanceOf(UpstreamError);
	return error as UpstreamError;
}

describe('Convai Character API client', () => {
	it('creates a character with a JSON body and the key header, and returns its charID', async () => {
		const { charID } = await client().create(mindy);
		expect(bed.fake.characters.characters.get(charID)).toEqual({ charID, ...mindy });
		const [request] = bed.fake.requests;
		expect(request!.path).toBe('/character/create');
		expect(request!.headers['content-type']).toBe('application/json');
		expect(request!.headers['convai-api-key']).toBe(FAKE_API_KEY);
		expect(request!.form).toEqual(mindy);
	});

	it('talks with form fields, continues a session by its id, and decodes the audio', async () => {
		const api = client();
		const { charID } = await api.create(mindy);
		const first = await api.getResponse({ charID, userText: 'Hello', sessionID: '-1', voiceResponse: false });
		expect(first).toMatchObject({ charID, text: 'Mindy heard "Hello" and remembers nothing before.', audio: undefined });
		const request = bed.fake.requests.at(-1)!;
		expect(request.headers['content-type']).toBe('application/x-www-form-urlencoded');
		expect(request.form).toEqual({ userText: 'Hello', charID, sessionID: '-1', voiceResponse: 'False' });

		const second = await api.getResponse({ charID, userText: 'Again', sessionID: first.sessionID, voiceResponse: true });
		expect(second.sessionID).toBe(first.sessionID);
		expect(second.text).toBe('Mindy heard "Again" and remembers "Hello".');
		expect(bed.fake.requests.at(-1)!.form.voiceResponse).toBe('True');
		expect(second.audio!.equals(fakeWav(second.text))).toBe(true);
		expect(second.sampleRate).toBe(16_000);
	});

	it('deletes a character by charID', async () => {
		const api = client();
		const { charID } = await api.create(mindy);
		await api.delete(charID);
		expect(bed.fake.characters.deleted).toEqual([charID]);
		expect(bed.fake.requests.at(-1)!.form).toEqual({ charID });
	});

	it.each<[string, Script, UpstreamErrorCode, number | undefined]>([
		['a rejected key (401)', jsonError(401, { ERROR: 'Invalid API key provided.' }), 'unauthorized', 401],
		['a plan without API access (403)', faults.forbidden(), 'unauthorized', 403],
		['a rate limit (429)', faults.rateLimited(), 'busy', 429],
		['a 5xx HTML page', faults.htmlPage(502), 'unavailable', 502],
		['a 400 with a JSON error', jsonError(400, { ERROR: 'Invalid character ID.' }), 'rejected', 400],
		['a 200 carrying only an error key', jsonError(200, { INTERNAL_ERROR: 'Something broke.' }), 'rejected', 200],
		['a 200 that is not JSON', { status: 200, headers: { 'content-type': 'text/plain' }, body: [{ write: 'ok' }] }, 'protocol', 200],
	])('maps %s to the same typed error as the backstory client', async (_, script, code, status) => {
		bed.fake.characters.setFault(() => script);
		const error = await failure(client().getResponse({ charID: 'c', userText: 'Hi', sessionID: '-1', voiceResponse: false }));
		expect(error.code).toBe(code);
		expect(error.status).toBe(status);
	});

	it('shows Convai’s own message for a rejected request, never the key', async () => {
		bed.fake.characters.setFault(() => jsonError(400, { ERROR: `Bad charID for key ${FAKE_API_KEY}` }));
		const error = await failure(client().create(mindy));
		expect(error.detail).toBe('Bad charID for key [redacted]');
	});

	it('fails a create whose answer has no charID', async () => {
		bed.fake.characters.setFault(() => jsonError(200, { STATUS: 'ok' }));
		expect((await failure(client().create(mindy))).code).toBe('protocol');
	});

	it('reports an unreachable Convai as unavailable', async () => {
		const api = createCharacterClient({ baseUrl: 'http://127.0.0.1:1', apiKey: FAKE_API_KEY, dispatcher: bed.agent });
		expect((await failure(api.delete('c'))).code).toBe('unavailable');
	});

	it('gives up on missing headers, on silence mid-answer, and on the whole call, closing the request each time', async () => {
		bed.fake.characters.setFault(() => ({ headersAfterMs: 'never' }));
		expect((await failure(client({ connectTimeoutMs: 150 }).delete('c'))).code).toBe('unavailable');

		bed.fake.characters.setFault(() => ({ status: 200, headers: { 'content-type': 'application/json' }, body: [{ write: '{"text":' }, { stall: true }] }));
		expect((await failure(client({ idleTimeoutMs: 150 }).delete('c'))).code).toBe('idle-timeout');

		const drip: Script = { status: 200, headers: { 'content-type': 'application/json' }, body: Array.from({ length: 40 }, () => [{ write: ' ' }, { delayMs: 50 }]).flat() };
		bed.fake.characters.setFault(() => drip);
		const started = Date.now();
		expect((await failure(client({ idleTimeoutMs: 1_000, totalTimeoutMs: 300 }).delete('c'))).code).toBe('total-timeout');
		expect(Date.now() - started).toBeLessThan(1_500);
		await bed.fake.allClosed(1_000);
		expect(bed.fake.requests.every((request) => request.endedBy === 'client')).toBe(true);
	});

	it('rejects with the caller’s reason when aborted, and closes the request', async () => {
		bed.fake.characters.setFault(() => ({ headersAfterMs: 'never' }));
		const controller = new AbortController();
		const call = client().getResponse({ charID: 'c', userText: 'Hi', sessionID: '-1', voiceResponse: false }, { signal: controller.signal });
		await sleep(50);
		const reason = new Error('shutting down');
		controller.abort(reason);
		await expect(call).rejects.toBe(reason);
		await bed.fake.allClosed(1_000);
	});
});
