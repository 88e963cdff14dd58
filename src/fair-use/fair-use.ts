import type { Config } from '../config/config.js';
import { text, type Text } from '../i18n/text.js';
import type { Logger } from '../ops/log.js';
import { settleWithin } from '../store/settle-within.js';
import type { CooldownStore } from '../store/index.js';

/** A refused generation: why (a catalogue text, translated by whoever answers), and when it is worth trying again. */
export interface Refusal {
	reason: Text;
	retryAt: number;
}

export type Admission = { admitted: true; release(): void } | { admitted: false; refusal: Refusal };

/** What is asked for: each kind has its own cooldown; both count toward the running caps. */
export type WorkKind = 'backstory' | 'talk';

export interface FairUse {
	/** Checks the cooldown and the caps and, when admitted, takes a running slot until `release()`. */
	admit(request: { userId: string; guildId: string | null; exemptFromCooldown: boolean; kind?: WorkKind }): Promise<Admission>;
	/** Generations running in this process now. */
	readonly running: number;
}

/** A stuck store must not eat the 3 seconds Discord gives us to answer. */
const COOLDOWN_LOOKUP_TIMEOUT_MS = 1_000;
/** When a cap refuses, the typical length of a generation is the best guess for a retry. */
const TYPICAL_GENERATION_MS = 60_000;

/**
 * Protects the owner's Convai quota: a per-user cooldown kept in the store (so it holds across
 * restarts and processes) and caps on running generations per user, per server and in total
 * (per process: a crashed process must not leave slots taken in a shared store).
 */
export function createFairUse(config: Config, cooldowns: CooldownStore, log: Logger): FairUse {
	const perUser = new Map<string, number>();
	const perGuild = new Map<string, number>();
	let total = 0;

	const over = (limit: number, count: number): boolean => limit > 0 && count >= limit;

	const capRefusal = (userId: string, guildId: string | null): Text | undefined => {
		if (over(config.maxRunningPerUser, perUser.get(userId) ?? 0)) return text('fairUse.busyUser', { count: config.maxRunningPerUser });
		if (guildId && over(config.maxRunningPerGuild, perGuild.get(guildId) ?? 0)) {
			return text('fairUse.busyServer', { count: config.maxRunningPerGuild });
		}
		if (over(config.maxRunningTotal, total)) return text('fairUse.busyBot');
		return undefined;
	};

	return {
		get running() {
			return total;
		},
		async admit({ userId, guildId, exemptFromCooldown, kind = 'backstory' }) {
			const now = Date.now();
			const cooldown = cooldownOf(kind, userId, config);
			const capReason = capRefusal(userId, guildId);
			if (capReason) return { admitted: false, refusal: { reason: capReason, retryAt: now + TYPICAL_GENERATION_MS } };

			if (cooldown.seconds > 0 && !exemptFromCooldown) {
				const until = await lookUpCooldown(cooldowns, cooldown.key, log);
				if (until !== undefined && until > now) {
					return { admitted: false, refusal: { reason: cooldown.reason, retryAt: until } };
				}
			}
			// The lookup awaited: check the caps again, then take the slot without yielding.
			const lateReason = capRefusal(userId, guildId);
			if (lateReason) return { admitted: false, refusal: { reason: lateReason, retryAt: now + TYPICAL_GENERATION_MS } };
			perUser.set(userId, (perUser.get(userId) ?? 0) + 1);
			if (guildId) perGuild.set(guildId, (perGuild.get(guildId) ?? 0) + 1);
			total += 1;
			if (cooldown.seconds > 0 && !exemptFromCooldown) {
				cooldowns
					.set(cooldown.key, Date.now() + cooldown.seconds * 1_000)
					.catch((error: unknown) => log.warn('could not save a cooldown', { userId, error }));
			}

			let released = false;
			return {
				admitted: true,
				release() {
					if (released) return;
					released = true;
					decrement(perUser, userId);
					if (guildId) decrement(perGuild, guildId);
					total -= 1;
				},
			};
		},
	};
}

/** A talk cooldown is kept under its own key, so talking does not hold back a backstory or the reverse. */
function cooldownOf(kind: WorkKind, userId: string, config: Config): { key: string; seconds: number; reason: Text } {
	return kind === 'talk'
		? { key: `talk:${userId}`, seconds: config.talkCooldownSeconds, reason: text('fairUse.talkCooldown') }
		: { key: userId, seconds: config.cooldownSeconds, reason: text('fairUse.cooldown') };
}

/** Fails open: a store outage must not stop people from writing, only from being rate limited. */
async function lookUpCooldown(cooldowns: CooldownStore, userId: string, log: Logger): Promise<number | undefined> {
	const found = await settleWithin(cooldowns.get(userId), COOLDOWN_LOOKUP_TIMEOUT_MS);
	if (found.ok) return found.value;
	log.warn('could not read a cooldown in time; allowing the generation', { userId, error: found.error });
	return undefined;
}

function decrement(counts: Map<string, number>, key: string): void {
	const next = (counts.get(key) ?? 1) - 1;
	if (next <= 0) counts.delete(key);
	else counts.set(key, next);
}
