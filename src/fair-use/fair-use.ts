import type { Config } from '../config/config.js';
import type { Logger } from '../ops/log.js';
import { settleWithin } from '../store/settle-within.js';
import type { CooldownStore } from '../store/index.js';

/** A refused generation: why, and when it is worth trying again. */
export interface Refusal {
	reason: string;
	retryAt: number;
}

export type Admission = { admitted: true; release(): void } | { admitted: false; refusal: Refusal };

export interface FairUse {
	/** Checks the cooldown and the caps and, when admitted, takes a running slot until `release()`. */
	admit(request: { userId: string; guildId: string | null; exemptFromCooldown: boolean }): Promise<Admission>;
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

	const capRefusal = (userId: string, guildId: string | null): string | undefined => {
		if (over(config.maxRunningPerUser, perUser.get(userId) ?? 0)) {
			return config.maxRunningPerUser === 1
				? 'You already have a backstory being written. Let it finish (or press Stop) before starting another.'
				: `You already have ${config.maxRunningPerUser} backstories being written, the most allowed at once.`;
		}
		if (guildId && over(config.maxRunningPerGuild, perGuild.get(guildId) ?? 0)) {
			return `This server already has ${config.maxRunningPerGuild} backstories being written, the most allowed at once.`;
		}
		if (over(config.maxRunningTotal, total)) return 'The bot is writing as many backstories as it can right now.';
		return undefined;
	};

	return {
		get running() {
			return total;
		},
		async admit({ userId, guildId, exemptFromCooldown }) {
			const now = Date.now();
			const capReason = capRefusal(userId, guildId);
			if (capReason) return { admitted: false, refusal: { reason: capReason, retryAt: now + TYPICAL_GENERATION_MS } };

			if (config.cooldownSeconds > 0 && !exemptFromCooldown) {
				const until = await lookUpCooldown(cooldowns, userId, log);
				if (until !== undefined && until > now) {
					return { admitted: false, refusal: { reason: 'You made a backstory a moment ago.', retryAt: until } };
				}
			}
			// The lookup awaited: check the caps again, then take the slot without yielding.
			const lateReason = capRefusal(userId, guildId);
			if (lateReason) return { admitted: false, refusal: { reason: lateReason, retryAt: now + TYPICAL_GENERATION_MS } };
			perUser.set(userId, (perUser.get(userId) ?? 0) + 1);
			if (guildId) perGuild.set(guildId, (perGuild.get(guildId) ?? 0) + 1);
			total += 1;
			if (config.cooldownSeconds > 0 && !exemptFromCooldown) {
				cooldowns
					.set(userId, Date.now() + config.cooldownSeconds * 1_000)
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
