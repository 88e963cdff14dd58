import type { Config } from '../config/config.js';
import type { Logger } from '../ops/log.js';
import type { GuildDayUsage, UsageCounterStore, UsageKind } from '../store/index.js';
import { settleWithin } from '../store/settle-within.js';

/** What a request counts as: a generation (/backstory, Regenerate) or a /talk message. */
export type QuotaKind = 'generation' | 'talk';

export type QuotaName = 'user-generations' | 'guild-generations' | 'user-talks';

export interface QuotaRefusal {
	quota: QuotaName;
	limit: number;
	/** The next UTC midnight, ms since the epoch. */
	resetsAt: number;
}

export type QuotaDecision = { allowed: true } | { allowed: false; refusal: QuotaRefusal };

export interface Requester {
	userId: string;
	/** For /usage's top list. */
	userName: string;
	guildId: string | null;
}

export interface QuotaLimits {
	generationsPerUser: number;
	generationsPerGuild: number;
	talksPerUser: number;
}

export interface TodaysUsage extends GuildDayUsage {
	limits: QuotaLimits;
	resetsAt: number;
}

export interface Quotas {
	/**
	 * Counts one unit of `kind` for the user and the server, or refuses when a daily quota is used
	 * up. Bounded for use before the defer: a store that fails or is slow lets the request through.
	 */
	take(kind: QuotaKind, requester: Requester, exemptions: { perUser: boolean }): Promise<QuotaDecision>;
	/** Counts a blocked input for /usage (in the background; never fails). */
	recordBlocked(guildId: string | null): void;
	/** Today's counts for /usage; throws StoreUnavailableError when the store is down. */
	today(guildId: string, topN: number): Promise<TodaysUsage>;
}

/** Leaves room inside Discord's 3 s for the cooldown lookup before it and the reply after it. */
const QUOTA_LOOKUP_TIMEOUT_MS = 800;
const DAY_MS = 86_400_000;

const COUNTER_OF: Record<QuotaKind, UsageKind> = { generation: 'generations', talk: 'talks' };

export function createQuotas(config: Config, usage: UsageCounterStore, log: Logger, now: () => number = Date.now): Quotas {
	const limits: QuotaLimits = {
		generationsPerUser: config.dailyGenerationsPerUser,
		generationsPerGuild: config.dailyGenerationsPerGuild,
		talksPerUser: config.dailyTalksPerUser,
	};

	return {
		async take(kind, { userId, userName, guildId }, exemptions) {
			const at = now();
			const userLimit = exemptions.perUser ? 0 : kind === 'generation' ? limits.generationsPerUser : limits.talksPerUser;
			const guildLimit = kind === 'generation' && guildId !== null ? limits.generationsPerGuild : 0;
			const counting = usage.take({ day: utcDay(at), kind: COUNTER_OF[kind], userId, userName, guildId, userLimit, guildLimit });

			if (userLimit === 0 && guildLimit === 0) {
				// Nothing to enforce: count for /usage without making the user wait for the store.
				counting.catch((error: unknown) => log.warn('could not count usage', { userId, guildId, error }));
				return { allowed: true };
			}
			const settled = await settleWithin(counting, QUOTA_LOOKUP_TIMEOUT_MS);
			if (!settled.ok) {
				log.warn('could not check the daily quota in time; allowing the request', { userId, guildId, error: settled.error });
				return { allowed: true };
			}
			const result = settled.value;
			if (result.taken) return { allowed: true };
			const quota: QuotaName = result.full === 'guild' ? 'guild-generations' : kind === 'generation' ? 'user-generations' : 'user-talks';
			return { allowed: false, refusal: { quota, limit: result.full === 'guild' ? guildLimit : userLimit, resetsAt: nextUtcMidnight(at) } };
		},

		recordBlocked(guildId) {
			if (guildId === null) return;
			usage.addBlocked(utcDay(now()), guildId).catch((error: unknown) => log.warn('could not count a blocked input', { guildId, error }));
		},

		async today(guildId, topN) {
			const at = now();
			return { ...(await usage.read(utcDay(at), guildId, topN)), limits, resetsAt: nextUtcMidnight(at) };
		},
	};
}

/** YYYY-MM-DD of the UTC day `at` falls in. */
export function utcDay(at: number): string {
	return new Date(at).toISOString().slice(0, 10);
}

export function nextUtcMidnight(at: number): number {
	return Math.floor(at / DAY_MS) * DAY_MS + DAY_MS;
}
