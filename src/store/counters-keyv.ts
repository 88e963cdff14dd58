import type Keyv from 'keyv';
import { runBounded } from './bounded.js';
import {
	expiryOfDay,
	overflow,
	rankTop,
	TOP_LIST_CAP,
	type GuildDayUsage,
	type TopEntry,
	type UsageCounterStore,
	type UsageKind,
	type UsageTake,
	type UsageTakeResult,
} from './counters.js';
import { SCHEMA_VERSION } from './types.js';

interface StoredUserDay {
	version: typeof SCHEMA_VERSION;
	day: string;
	counts: Record<UsageKind, number>;
}

interface StoredGuildDay extends StoredUserDay {
	blocked: number;
	/** userId → display name and count, at most TOP_LIST_CAP per kind. */
	top: Record<UsageKind, Record<string, { name: string; count: number }>>;
}

type DayRecord = StoredUserDay | StoredGuildDay;

/**
 * SQLite and memory: one record per user and per server holding the current day only, so the
 * number of rows stays bounded by the people and servers ever seen, however many days pass
 * (SQLite keeps expired rows until they are read).
 *
 * Today's records are kept in this process once read, and each take decides and counts on them
 * without awaiting anything, so it is atomic here; the record is then written through to the store
 * (one write in flight per record, the newest state wins). A SQLite write waits for the disk, about
 * 8 ms: awaiting it on every take would queue a burst of commands behind each other. Only the first
 * take of a record each day reads the store. Exact within one bot process only: several processes
 * must share Redis, as the README says.
 */
export class KeyvUsageCounters implements UsageCounterStore {
	private day = '';
	/** Today's records by key; cleared when the day changes, so it holds today's users and servers only. */
	private readonly records = new Map<string, Promise<DayRecord>>();
	private readonly writing = new Map<string, { dirty: boolean }>();
	private readonly inFlight = new Set<Promise<unknown>>();

	public constructor(
		private readonly keyv: Keyv,
		private readonly timeoutMs: number,
	) {}

	public async take(request: UsageTake): Promise<UsageTakeResult> {
		const { day, kind, userId, guildId } = request;
		const [userDay, guildDay] = await runBounded('usage.take', this.timeoutMs, () =>
			Promise.all([this.load(userKey(userId), day), guildId === null ? undefined : this.load(guildKey(guildId), day)]),
		);
		// From here to the return nothing is awaited: no other take can slip in between check and count.
		const user = userDay.counts[kind];
		const guild = guildDay?.counts[kind] ?? 0;
		if (request.userLimit > 0 && user >= request.userLimit) return { taken: false, full: 'user', user, guild };
		if (guildDay && request.guildLimit > 0 && guild >= request.guildLimit) return { taken: false, full: 'guild', user, guild };

		userDay.counts[kind] += 1;
		this.writeThrough(userKey(userId), userDay);
		if (guildDay && guildId !== null) {
			guildDay.counts[kind] += 1;
			const top = (guildDay as StoredGuildDay).top[kind];
			top[userId] = { name: request.userName, count: (top[userId]?.count ?? 0) + 1 };
			const entries = Object.entries(top).map(([id, entry]): [string, number] => [id, entry.count]);
			for (const id of overflow(entries, TOP_LIST_CAP)) delete top[id];
			this.writeThrough(guildKey(guildId), guildDay);
		}
		return { taken: true, user: userDay.counts[kind], guild: guildDay?.counts[kind] ?? 0 };
	}

	public async addBlocked(day: string, guildId: string): Promise<void> {
		const guildDay = (await runBounded('usage.addBlocked', this.timeoutMs, () => this.load(guildKey(guildId), day))) as StoredGuildDay;
		guildDay.blocked += 1;
		this.writeThrough(guildKey(guildId), guildDay);
	}

	public async read(day: string, guildId: string, topN: number): Promise<GuildDayUsage> {
		const guildDay = (await runBounded('usage.read', this.timeoutMs, () => this.load(guildKey(guildId), day))) as StoredGuildDay;
		const topOf = (kind: UsageKind): TopEntry[] =>
			rankTop(
				Object.entries(guildDay.top[kind]).map(([userId, { name, count }]) => ({ userId, name, count })),
				topN,
			);
		return { ...guildDay.counts, blocked: guildDay.blocked, top: { generations: topOf('generations'), talks: topOf('talks') } };
	}

	public async settled(): Promise<void> {
		while (this.inFlight.size > 0) await Promise.allSettled([...this.inFlight]);
	}

	/** The record of `key` for `day`: from this process once read, else from the store (read once however many ask). */
	private load(key: string, day: string): Promise<DayRecord> {
		if (day > this.day) {
			// A new day: the records of the days before are over.
			this.records.clear();
			this.day = day;
		}
		const cacheKey = `${day}|${key}`;
		let record = this.records.get(cacheKey);
		if (!record) {
			record = this.keyv.get<DayRecord>(key).then((stored) =>
				stored?.version === SCHEMA_VERSION && stored.day === day ? stored : emptyRecord(key, day),
			);
			this.records.set(cacheKey, record);
			// A failed read is not kept: the next take tries the store again.
			record.catch(() => this.records.delete(cacheKey));
		}
		return record;
	}

	/** Writes the newest state of a record; while a write is in flight, one more follows it with whatever changed. */
	private writeThrough(key: string, record: DayRecord): void {
		const inFlight = this.writing.get(key);
		if (inFlight) {
			inFlight.dirty = true;
			return;
		}
		const state = { dirty: false };
		this.writing.set(key, state);
		const write = (): void => {
			const ttlMs = Math.max(1, expiryOfDay(record.day) - Date.now());
			const written = this.keyv.set(key, record, ttlMs);
			this.inFlight.add(written);
			written
				.finally(() => this.inFlight.delete(written))
				// keyv's 'error' listener logs it; the count itself stays right in this process.
				.catch((error: unknown) => this.keyv.emit('error', error))
				.finally(() => {
					if (state.dirty) {
						state.dirty = false;
						write();
					} else {
						this.writing.delete(key);
					}
				});
		};
		write();
	}
}

function emptyRecord(key: string, day: string): DayRecord {
	const counts = { generations: 0, talks: 0 };
	if (key.startsWith('user:')) return { version: SCHEMA_VERSION, day, counts };
	return { version: SCHEMA_VERSION, day, counts, blocked: 0, top: { generations: {}, talks: {} } };
}

function userKey(userId: string): string {
	return `user:${userId}`;
}

function guildKey(guildId: string): string {
	return `guild:${guildId}`;
}
