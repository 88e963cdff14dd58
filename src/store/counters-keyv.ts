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
import { KeyedMutex } from './keyed-mutex.js';
import { SCHEMA_VERSION } from './types.js';

/** One lock for the whole process, so even two stores opened on one SQLite file take turns. */
const usageLock = new KeyedMutex();

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

/**
 * SQLite and memory: one record per user and per server holding the current day only, so the
 * number of rows stays bounded by the people and servers ever seen, however many days pass
 * (SQLite keeps expired rows until they are read). Atomic within this process only: several
 * processes must share Redis, as the README says.
 */
export class KeyvUsageCounters implements UsageCounterStore {
	public constructor(
		private readonly keyv: Keyv,
		private readonly timeoutMs: number,
	) {}

	public async take(request: UsageTake): Promise<UsageTakeResult> {
		return runBounded('usage.take', this.timeoutMs, (signal) =>
			usageLock.run('usage', signal, async () => {
				const { day, kind, userId, guildId } = request;
				const userDay = await this.userDay(userId, day);
				const guildDay = guildId === null ? undefined : await this.guildDay(guildId, day);
				const user = userDay.counts[kind];
				const guild = guildDay?.counts[kind] ?? 0;
				if (request.userLimit > 0 && user >= request.userLimit) return { taken: false, full: 'user', user, guild };
				if (guildDay && request.guildLimit > 0 && guild >= request.guildLimit) return { taken: false, full: 'guild', user, guild };

				userDay.counts[kind] += 1;
				const ttlMs = ttlOfDay(day);
				const writes = [this.keyv.set(userKey(userId), userDay, ttlMs)];
				if (guildDay && guildId !== null) {
					guildDay.counts[kind] += 1;
					const top = guildDay.top[kind];
					top[userId] = { name: request.userName, count: (top[userId]?.count ?? 0) + 1 };
					const entries = Object.entries(top).map(([id, entry]): [string, number] => [id, entry.count]);
					for (const id of overflow(entries, TOP_LIST_CAP)) delete top[id];
					writes.push(this.keyv.set(guildKey(guildId), guildDay, ttlMs));
				}
				await Promise.all(writes);
				return { taken: true, user: userDay.counts[kind], guild: guildDay?.counts[kind] ?? 0 };
			}),
		);
	}

	public async addBlocked(day: string, guildId: string): Promise<void> {
		await runBounded('usage.addBlocked', this.timeoutMs, (signal) =>
			usageLock.run('usage', signal, async () => {
				const guildDay = await this.guildDay(guildId, day);
				guildDay.blocked += 1;
				await this.keyv.set(guildKey(guildId), guildDay, ttlOfDay(day));
			}),
		);
	}

	public async read(day: string, guildId: string, topN: number): Promise<GuildDayUsage> {
		return runBounded('usage.read', this.timeoutMs, async () => {
			const guildDay = await this.guildDay(guildId, day);
			const topOf = (kind: UsageKind): TopEntry[] =>
				rankTop(
					Object.entries(guildDay.top[kind]).map(([userId, { name, count }]) => ({ userId, name, count })),
					topN,
				);
			return { ...guildDay.counts, blocked: guildDay.blocked, top: { generations: topOf('generations'), talks: topOf('talks') } };
		});
	}

	private async userDay(userId: string, day: string): Promise<StoredUserDay> {
		const stored = await this.keyv.get<StoredUserDay>(userKey(userId));
		if (stored?.version === SCHEMA_VERSION && stored.day === day) return stored;
		return { version: SCHEMA_VERSION, day, counts: { generations: 0, talks: 0 } };
	}

	private async guildDay(guildId: string, day: string): Promise<StoredGuildDay> {
		const stored = await this.keyv.get<StoredGuildDay>(guildKey(guildId));
		if (stored?.version === SCHEMA_VERSION && stored.day === day) return stored;
		return { version: SCHEMA_VERSION, day, counts: { generations: 0, talks: 0 }, blocked: 0, top: { generations: {}, talks: {} } };
	}
}

function userKey(userId: string): string {
	return `user:${userId}`;
}

function guildKey(guildId: string): string {
	return `guild:${guildId}`;
}

/** keyv reads a TTL of 0 as "never expires": a day already over gets the shortest real one. */
function ttlOfDay(day: string): number {
	return Math.max(1, expiryOfDay(day) - Date.now());
}
