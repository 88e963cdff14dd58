import KeyvRedis from '@keyv/redis';
import type Keyv from 'keyv';
import { BatchedUpdates } from './batched-updates.js';

/**
 * Read-modify-write and set-if-absent on one keyv key, safe against every other writer: other
 * processes sharing a Redis, and other calls in this process. Values keep keyv's own serialised
 * format, so plain keyv.get() reads them as before.
 */
export interface AtomicValues {
	/**
	 * Reads the key, applies `change` and writes its result, as one step nobody else's write can come
	 * between (Redis: compare-and-set, retried when another writer got there first). `change` may run
	 * more than once, so it must be pure; it returns undefined to leave the value as it is, or throws
	 * to abort (this caller only). Updates that arrive together are read and written as one batch,
	 * each change applied in order of arrival. Resolves with the value after `change` (undefined when
	 * it left it as it was). A key is used with either `update` or `setIfAbsent`, never both.
	 */
	update<T>(key: string, change: (current: T | undefined) => T | undefined, signal: AbortSignal): Promise<T | undefined>;
	/** Writes `value` for `ttlMs` unless the key holds a live value; resolves undefined when written, else that value. */
	setIfAbsent<T>(key: string, value: T, ttlMs: number): Promise<T | undefined>;
}

/** Redis atomics for a Redis-backed keyv; a per-key queue in this process for SQLite and memory. */
export function atomicValues(keyv: Keyv): AtomicValues {
	return keyv.store instanceof KeyvRedis ? new RedisAtomicValues(keyv, keyv.store as KeyvRedis<unknown>) : new LocalAtomicValues(keyv);
}

/** Sets KEYS[1] to ARGV[3] only if it still holds ARGV[2] (ARGV[1] = '0': only if it is still absent). */
const COMPARE_AND_SET = `
local current = redis.call('GET', KEYS[1])
if ARGV[1] == '0' then
	if current then return 0 end
elseif current ~= ARGV[2] then
	return 0
end
redis.call('SET', KEYS[1], ARGV[3])
return 1
`;

/**
 * Optimistic concurrency on the raw stored string: read, compute in JS, and write through a Lua
 * compare-and-set, so the JSON is never re-encoded inside Redis (cjson would mangle large numbers).
 */
class RedisAtomicValues implements AtomicValues {
	public constructor(
		private readonly keyv: Keyv,
		private readonly adapter: KeyvRedis<unknown>,
	) {}

	/** One compare-and-set per key in flight from this process, for a whole batch: retries are only between processes. */
	private readonly batches = new BatchedUpdates((key, apply) => this.compareAndSet(key, apply));

	public update<T>(key: string, change: (current: T | undefined) => T | undefined, signal: AbortSignal): Promise<T | undefined> {
		return this.batches.update(key, change, signal);
	}

	private async compareAndSet<T>(key: string, apply: (current: T | undefined) => T | undefined): Promise<void> {
		const client = await this.adapter.getClient();
		const fullKey = this.fullKey(key);
		for (;;) {
			const raw = await client.get(fullKey);
			const current = raw === null ? undefined : await this.decode<T>(raw);
			const next = apply(current);
			if (next === undefined) return;
			const written = await client.eval(COMPARE_AND_SET, {
				keys: [fullKey],
				arguments: [raw === null ? '0' : '1', raw ?? '', await this.encode(next, undefined)],
			});
			if (written === 1) return;
			// Another writer changed the key between our read and our write: read again.
		}
	}

	public async setIfAbsent<T>(key: string, value: T, ttlMs: number): Promise<T | undefined> {
		const client = await this.adapter.getClient();
		const fullKey = this.fullKey(key);
		const ttl = Math.max(1, Math.ceil(ttlMs));
		for (;;) {
			const set = await client.set(fullKey, await this.encode(value, Date.now() + ttl), { NX: true, PX: ttl });
			if (set === 'OK') return undefined;
			const raw = await client.get(fullKey);
			// Expired between the two calls: try again.
			if (raw !== null) return this.decode<T>(raw);
		}
	}

	private fullKey(key: string): string {
		return this.adapter.createKeyPrefix(key, this.adapter.namespace);
	}

	private async encode(value: unknown, expires: number | undefined): Promise<string> {
		return String(await this.keyv.serialize!({ value, expires }));
	}

	private async decode<T>(raw: string): Promise<T | undefined> {
		const data = await this.keyv.deserialize!<T>(raw);
		return data?.value as T | undefined;
	}
}

/**
 * One process owns a SQLite file or a memory store, so running each key's operations one after
 * another is enough. Unlike a lock with a timeout, an operation keeps its place until its write has
 * settled: the next one always reads what the previous one wrote (for updates, the next batch).
 */
class LocalAtomicValues implements AtomicValues {
	private readonly queue = new KeyedQueue();

	public constructor(private readonly keyv: Keyv) {}

	private readonly batches = new BatchedUpdates(async (key, apply) => {
		const next = apply(await this.keyv.get(key));
		if (next !== undefined) await this.keyv.set(key, next);
	});

	public update<T>(key: string, change: (current: T | undefined) => T | undefined, signal: AbortSignal): Promise<T | undefined> {
		return this.batches.update(key, change, signal);
	}

	public setIfAbsent<T>(key: string, value: T, ttlMs: number): Promise<T | undefined> {
		return this.queue.inTurn(key, async () => {
			// keyv drops an expired value on read, so an old cooldown reads as absent.
			const current = await this.keyv.get<T>(key);
			if (current !== undefined) return current;
			await this.keyv.set(key, value, Math.max(1, Math.ceil(ttlMs)));
			return undefined;
		});
	}
}

/**
 * Runs each key's operations one after another. Unlike a lock with a timeout, an operation keeps its
 * place until it has settled, so the next one always sees what the previous one wrote.
 */
class KeyedQueue {
	private readonly tails = new Map<string, Promise<unknown>>();

	public inTurn<R>(key: string, work: () => Promise<R>): Promise<R> {
		const previous = this.tails.get(key) ?? Promise.resolve();
		const result = previous.then(work, work);
		const tail = result.then(
			() => undefined,
			() => undefined,
		);
		this.tails.set(key, tail);
		void tail.then(() => {
			if (this.tails.get(key) === tail) this.tails.delete(key);
		});
		return result;
	}
}
