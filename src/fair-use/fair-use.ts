import type { Config } from '../config/config.js';
import type { Logger } from '../ops/log.js';
import { settleWithin } from '../store/settle-within.js';
import type { AtomicCooldowns, LeaseCap, LeaseGrant, Leases, Stores } from '../store/index.js';

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
const SLOT_LOOKUP_TIMEOUT_MS = 1_000;
/** When a cap refuses, the typical length of a generation is the best guess for a retry. */
const TYPICAL_GENERATION_MS = 60_000;

export type FairUseStores = Pick<Stores, 'atomicCooldowns' | 'leases'>;

/**
 * Protects the owner's Convai quota: a per-user cooldown kept in the store (so it holds across
 * restarts and processes), taken in one atomic step, and caps on running generations per user, per
 * server and in total. With Redis the caps count every process (expiring leases, so a killed
 * process frees its slots); with SQLite or memory they count this one process.
 */
export function createFairUse(config: Config, stores: FairUseStores, log: Logger): FairUse {
	const leases = stores.leases({
		perUser: config.maxRunningPerUser,
		perGuild: config.maxRunningPerGuild,
		total: config.maxRunningTotal,
	});

	const capReason = (cap: LeaseCap): string => {
		if (cap === 'user') {
			return config.maxRunningPerUser === 1
				? 'You already have a backstory being written. Let it finish (or press Stop) before starting another.'
				: `You already have ${config.maxRunningPerUser} backstories being written, the most allowed at once.`;
		}
		if (cap === 'guild') return `This server already has ${config.maxRunningPerGuild} backstories being written, the most allowed at once.`;
		return 'The bot is writing as many backstories as it can right now.';
	};

	return {
		get running() {
			return leases.heldHere;
		},
		async admit({ userId, guildId, exemptFromCooldown }) {
			const now = Date.now();
			const slot = await takeSlot(leases, userId, guildId, log);
			if (!slot.granted) return { admitted: false, refusal: { reason: capReason(slot.cap), retryAt: now + TYPICAL_GENERATION_MS } };

			if (config.cooldownSeconds > 0 && !exemptFromCooldown) {
				const until = await takeCooldown(stores.atomicCooldowns, userId, Date.now() + config.cooldownSeconds * 1_000, log);
				if (until !== undefined) {
					slot.release();
					return { admitted: false, refusal: { reason: 'You made a backstory a moment ago.', retryAt: until } };
				}
			}
			return { admitted: true, release: slot.release };
		},
	};
}

/** Fails open, like the cooldown: a store outage must not stop people from writing. */
async function takeSlot(leases: Leases, userId: string, guildId: string | null, log: Logger): Promise<LeaseGrant> {
	const acquiring = leases.acquire({ userId, guildId });
	const found = await settleWithin(acquiring, SLOT_LOOKUP_TIMEOUT_MS);
	if (found.ok) return found.value;
	// A late grant must still be given back.
	acquiring.then((late) => late.granted && late.release(), () => undefined);
	log.warn('could not take a running slot in time; allowing the generation', { userId, error: found.error });
	return { granted: true, release: () => undefined };
}

/** Resolves undefined when the cooldown was taken (or the store failed), else when the running one ends. */
async function takeCooldown(cooldowns: AtomicCooldowns, userId: string, untilMs: number, log: Logger): Promise<number | undefined> {
	const found = await settleWithin(cooldowns.take(userId, untilMs), COOLDOWN_LOOKUP_TIMEOUT_MS);
	if (found.ok) return found.value;
	log.warn('could not take a cooldown in time; allowing the generation', { userId, error: found.error });
	return undefined;
}
