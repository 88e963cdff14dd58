import { spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import Keyv from 'keyv';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { atomicValues } from '../../src/store/atomic.js';
import { createKeyvFromUrl, createStores, disconnectKeyv } from '../../src/store/index.js';
import { redisAvailable, startTestRedis, type TestRedis } from '../support/redis.js';

const live = () => new AbortController().signal;
const append = (n: number) => (current: number[] | undefined) => [...(current ?? []), n];

describe('atomic values in one process (SQLite, memory)', () => {
	it('never loses one of many concurrent updates of one key', async () => {
		const atomic = atomicValues(new Keyv());
		await Promise.all(Array.from({ length: 100 }, (_, n) => atomic.update('k', append(n), live())));
		expect((await atomic.update<number[]>('k', (current) => current, live()))?.sort((a, b) => a - b)).toEqual([...Array(100).keys()]);
	});

	it('lets the next update read a timed-out update whose write still lands (the old lock released too early)', async () => {
		const keyv = new Keyv();
		const slowSet = keyv.set.bind(keyv);
		// The first write hangs 150 ms, as on a busy SQLite file.
		let first = true;
		keyv.set = (async (key: string, value: unknown, ttl?: number) => {
			if (first) {
				first = false;
				await new Promise((resolve) => setTimeout(resolve, 150));
			}
			return slowSet(key, value, ttl);
		}) as typeof keyv.set;
		const atomic = atomicValues(keyv);
		const timedOut = new AbortController();
		const a = atomic.update('k', append(1), timedOut.signal);
		setTimeout(() => timedOut.abort(new Error('deadline')), 20);
		await new Promise((resolve) => setTimeout(resolve, 40));
		await atomic.update('k', append(2), live());
		await a;
		expect(await keyv.get('k')).toEqual([1, 2]);
	});

	it('setIfAbsent: exactly one of many concurrent callers writes, the others see its value', async () => {
		const atomic = atomicValues(new Keyv());
		const results = await Promise.all(Array.from({ length: 20 }, (_, n) => atomic.setIfAbsent('cooldown', n, 10_000)));
		expect(results.filter((r) => r === undefined)).toHaveLength(1);
		expect(new Set(results.filter((r) => r !== undefined)).size).toBe(1);
	});
});

describe.skipIf(!redisAvailable)('atomic values across processes (Redis)', () => {
	let redis: TestRedis;
	beforeAll(async () => {
		redis = await startTestRedis(2);
	});
	afterAll(async () => redis?.stop());

	it('two connections updating one key concurrently never lose an update', async () => {
		const namespace = `atomic-${randomUUID()}`;
		const open = () => createKeyvFromUrl(redis.url, { namespace, onError: () => undefined });
		const [one, two] = [open(), open()];
		const [a, b] = [atomicValues(one), atomicValues(two)];
		await Promise.all(Array.from({ length: 60 }, (_, n) => (n % 2 ? a : b).update('k', append(n), live())));
		expect(((await one.get<number[]>('k')) ?? []).sort((x, y) => x - y)).toEqual([...Array(60).keys()]);
		// setIfAbsent through both connections: one winner, stored with a TTL Redis enforces.
		const results = await Promise.all(Array.from({ length: 20 }, (_, n) => (n % 2 ? a : b).setIfAbsent('c', n, 200)));
		expect(results.filter((r) => r === undefined)).toHaveLength(1);
		await new Promise((resolve) => setTimeout(resolve, 300));
		expect(await a.setIfAbsent('c', 99, 200)).toBeUndefined();
		await Promise.all([disconnectKeyv(one), disconnectKeyv(two)]);
	});

	it('two processes saving 100 characters each to one server at once: the roster lists 200', async () => {
		const namespacePrefix = `roster-${randomUUID()}`;
		const saver = fileURLToPath(new URL('../support/save-characters.mjs', import.meta.url));
		const run = (tag: string) =>
			new Promise<void>((resolve, reject) => {
				const child = spawn(process.execPath, [saver, redis.url, namespacePrefix, tag, '100'], { stdio: ['ignore', 'inherit', 'inherit'] });
				child.once('exit', (code) => (code === 0 ? resolve() : reject(new Error(`saver ${tag} exited with ${code}`))));
			});
		await Promise.all([run('a'), run('b')]);
		const stores = createStores(redis.url, { namespacePrefix, onError: () => undefined, rosterCap: 1_000 });
		const page = await stores.characters.list({ guildId: '1100000000000000001' }, { page: 1, pageSize: 500 });
		expect(page.total).toBe(200);
		expect(new Set(page.items.map((item) => item.name)).size).toBe(200);
		await stores.close();
	});
});

describe.skipIf(!redisAvailable)('world settings across processes (Redis)', () => {
	let redis: TestRedis;
	beforeAll(async () => {
		redis = await startTestRedis(3);
	});
	afterAll(async () => redis?.stop());

	it('a /setting saved by one process applies to the next read in another, though that one had it cached', async () => {
		const namespacePrefix = `settings-${randomUUID()}`;
		const open = () => createStores(redis.url, { namespacePrefix, onError: () => undefined });
		const [one, two] = [open(), open()];
		// Let both subscriptions connect.
		await new Promise((resolve) => setTimeout(resolve, 300));
		await one.settings.set('g', 'A drowned archipelago.', 'u');
		expect((await two.settings.get('g'))?.text).toBe('A drowned archipelago.');
		// two now serves 'g' from memory for 30 s; a change through one must still reach it at once.
		await one.settings.set('g', 'A desert of glass.', 'u');
		expect((await two.settings.get('g'))?.text).toBe('A desert of glass.');
		await one.settings.clear('g');
		expect(await two.settings.get('g')).toBeUndefined();
		await Promise.all([one.close(), two.close()]);
	});

	it('a /setting language pinned by one process applies to the next read in another, though that one had it cached', async () => {
		const namespacePrefix = `languages-${randomUUID()}`;
		const open = () => createStores(redis.url, { namespacePrefix, onError: () => undefined });
		const [one, two] = [open(), open()];
		await new Promise((resolve) => setTimeout(resolve, 300));
		await one.settings.setLanguage('g', 'de');
		expect(await two.settings.getLanguage('g')).toBe('de');
		// two now serves the language from memory for 30 s: without the announcement it would stay 'de'.
		await one.settings.setLanguage('g', 'ja');
		expect(await two.settings.getLanguage('g')).toBe('ja');
		await one.settings.setLanguage('g', undefined);
		expect(await two.settings.getLanguage('g')).toBeUndefined();
		await Promise.all([one.close(), two.close()]);
	});
});
