import { randomUUID } from 'node:crypto';
import { Agent } from 'undici';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { createLogger } from '../../src/ops/log.js';
import type { SavedCharacter } from '../../src/store/index.js';
import { createTalk, type Talk, type TalkTarget } from '../../src/talk/talk.js';
import { createTalkStore, SESSION_TTL_MS, type TalkStore } from '../../src/talk/talk-store.js';
import { createCharacterClient } from '../../src/upstream/character-client.js';
import { FAKE_API_KEY, sleep, startFakeConvai, type FakeConvai } from '../support/fake-convai.js';

/**
 * The talk service on the real client, the real store and the fake Convai: creating a character
 * once across processes (two services sharing one Redis stand for two bot processes), and the
 * sliding expiry of conversations.
 */

const redisUrl = process.env.REDIS_URL;
const quiet = createLogger({ level: 'error', secrets: [], write: () => undefined });
const character: SavedCharacter = {
	version: 1,
	id: 'mfx3k2p0a1b2c3d4e5f',
	guildId: '1',
	name: 'Mindy',
	description: 'Innkeeper.',
	text: 'Mindy grew up above a tavern.',
	authorId: '2',
	authorName: 'Ann',
	createdAt: 0,
	messageUrl: null,
	private: false,
};
const target: TalkTarget = { entry: { scope: { guildId: '1' }, id: character.id }, character };

let fake: FakeConvai;
let agent: Agent;
const opened: TalkStore[] = [];

beforeEach(async () => {
	fake = await startFakeConvai();
	agent = new Agent();
});
afterEach(async () => {
	vi.useRealTimers();
	await Promise.all(opened.splice(0).map((store) => store.close()));
	await agent.close();
	await fake.close();
});

function openStore(url: string, namespace: string): TalkStore {
	const store = createTalkStore(url, { namespace, timeoutMs: 2_000, onError: () => undefined });
	opened.push(store);
	return store;
}

function service(store: TalkStore): Talk {
	return createTalk({ store, api: createCharacterClient({ baseUrl: fake.url, apiKey: FAKE_API_KEY, dispatcher: agent }), log: quiet });
}

const say = (talk: Talk, userText: string, conversation = 'channel-1') =>
	talk.talk({ target, conversation, userText, voice: false, startOver: false, signal: new AbortController().signal });

describe.each([
	['memory', 'memory://'],
	...(redisUrl ? [['redis', redisUrl]] : []),
])('talk store claims (%s)', (_, url) => {
	it('lets one holder claim an entry until it releases or the claim expires', async () => {
		const namespace = `talk-test-${randomUUID()}`;
		const store = openStore(url, namespace);
		const first = await store.claim(target.entry, 300);
		expect(first).toBeDefined();
		expect(await store.claim(target.entry, 300)).toBeUndefined();
		await first!.release();
		const second = await store.claim(target.entry, 200);
		expect(second).toBeDefined();
		await sleep(300);
		// Expired: someone else may take it, and the late release of the old holder leaves theirs alone.
		const third = await store.claim(target.entry, 5_000);
		expect(third).toBeDefined();
		await second!.release();
		expect(await store.claim(target.entry, 300)).toBeUndefined();
		await third!.release();
	});
});

describe.skipIf(!redisUrl)('talk across processes sharing Redis', () => {
	it('creates the Convai character once when two processes get its first message at the same moment', async () => {
		const namespace = `talk-test-${randomUUID()}`;
		// Two services with their own connections and their own in-process maps, like two bot processes.
		const [one, two] = [service(openStore(redisUrl!, namespace)), service(openStore(redisUrl!, namespace))];
		fake.characters.setCreateDelay(300);
		const [a, b] = await Promise.all([say(one, 'Hello from one', 'channel-1'), say(two, 'Hello from two', 'channel-2')]);
		expect(fake.characters.created).toHaveLength(1);
		expect(a.text).toContain('heard "Hello from one"');
		expect(b.text).toContain('heard "Hello from two"');
		const charIDs = fake.requests.filter((request) => request.path === '/character/getResponse').map((request) => request.form.charID);
		expect(new Set(charIDs)).toEqual(new Set([fake.characters.created[0]!.charID]));
	});
});

describe('talk sessions', () => {
	it('keep a conversation for a day after its last message (sliding), then start over', async () => {
		vi.useFakeTimers({ toFake: ['Date'], now: new Date('2026-12-01T12:00:00Z') });
		const talk = service(openStore('memory://', `talk-test-${randomUUID()}`));
		expect((await say(talk, 'one')).continued).toBe(false);
		vi.setSystemTime(Date.now() + SESSION_TTL_MS - 60_000);
		expect((await say(talk, 'two')).continued).toBe(true);
		// A day after the first message, but not after the last one: still the same conversation.
		vi.setSystemTime(Date.now() + SESSION_TTL_MS - 60_000);
		const third = await say(talk, 'three');
		expect(third.continued).toBe(true);
		expect(third.text).toContain('remembers "one", "two"');
		vi.setSystemTime(Date.now() + SESSION_TTL_MS + 60_000);
		const fourth = await say(talk, 'four');
		expect(fourth.continued).toBe(false);
		expect(fourth.text).toContain('remembers nothing before');
		expect(fake.characters.created).toHaveLength(1);
	});

	it('serialise messages of one place and character, so a table that talks at once stays in one conversation', async () => {
		const talk = service(openStore('memory://', `talk-test-${randomUUID()}`));
		const replies = await Promise.all(['a', 'b', 'c'].map((text) => say(talk, text)));
		expect(replies.map((reply) => reply.continued)).toEqual([false, true, true]);
		expect(fake.characters.sessions.size).toBe(1);
	});
});
