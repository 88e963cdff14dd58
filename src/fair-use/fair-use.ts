import type { Config } from '../config/config.js';
import { text, type Text } from '../i18n/text.js';
import type { Logger } from '../ops/log.js';
import { settleWithin } from '../store/settle-within.js';
import type { AtomicCooldowns, LeaseCap, LeaseGrant, Leases, Stores } from '../store/index.js';

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

	const capReason = (cap: LeaseCap): Text => {
		if (cap === 'user') return text('fairUse.busyUser', { count: config.maxRunningPerUser });
		if (cap === 'guild') return text('fairUse.busyServer', { count: config.maxRunningPerGuild });
		return text('fairUse.busyBot');
	};

	return {
		get running() {
			return leases.heldHere;
		},
		async admit({ userId, guildId, exemptFromCooldown, kind = 'backstory' }) {
			const now = Date.now();
			const cooldown = cooldownOf(kind, userId, config);
			const slot = await takeSlot(leases, userId, guildId, log);
			if (!slot.granted) return { admitted: false, refusal: { reason: capReason(slot.cap), retryAt: now + TYPICAL_GENERATION_MS } };

			if (cooldown.seconds > 0 && !exemptFromCooldown) {
				const until = await takeCooldown(stores.atomicCooldowns, cooldown.key, Date.now() + cooldown.seconds * 1_000, log);
				if (until !== undefined) {
					slot.release();
					return { admitted: false, refusal: { reason: cooldown.reason, retryAt: until } };
				}
			}
			return { admitted: true, release: slot.release };
		},
	};
}

/** A talk cooldown is kept under its own key, so talking does not hold back a backstory or the reverse. */
function cooldownOf(kind: WorkKind, userId: string, config: Config): { key: string; seconds: number; reason: Text } {
	return kind === 'talk'
		? { key: `talk:${userId}`, seconds: config.talkCooldownSeconds, reason: text('fairUse.talkCooldown') }
		: { key: userId, seconds: config.cooldownSeconds, reason: text('fairUse.cooldown') };
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

/**
 * Resolves undefined when the cooldown was taken (or the store failed), else when the running one ends.
 * `key` is the user id, or `talk:<user id>` for a talk cooldown.
 */
async function takeCooldown(cooldowns: AtomicCooldowns, key: string, untilMs: number, log: Logger): Promise<number | undefined> {
	const found = await settleWithin(cooldowns.take(key, untilMs), COOLDOWN_LOOKUP_TIMEOUT_MS);
	if (found.ok) return found.value;
	log.warn('could not take a cooldown in time; allowing the generation', { key, error: found.error });
	return undefined;
}
