import KeyvRedis from '@keyv/redis';
import type Keyv from 'keyv';
import { DEFAULT_STORE_TIMEOUT_MS } from './bounded.js';
import { KeyvCharacterStore } from './character-store.js';
import { AtomicCooldowns } from './atomic-cooldown.js';
import { KeyvCooldownStore } from './cooldown-store.js';
import type { UsageCounterStore } from './counters.js';
import { KeyvUsageCounters } from './counters-keyv.js';
import { RedisUsageCounters } from './counters-redis.js';
import { createKeyvFromUrl, disconnectKeyv } from './keyv.js';
import { KeyvPromptStore } from './prompt-store.js';
import { cacheSettings } from './cached-settings.js';
import { settleWithin } from './settle-within.js';
import { createLeases, type LeaseLimits, type Leases } from './leases.js';
import { settingsFeed } from './settings-feed.js';
import { KeyvSettingsStore } from './settings-store.js';
import type { CharacterStore, CooldownStore, PromptStore, SettingsStore } from './types.js';

export { DEFAULT_STORE_TIMEOUT_MS, runBounded } from './bounded.js';
export { RosterFullError, StoreConfigError, StoreUnavailableError } from './errors.js';
export { createKeyvFromUrl, DEFAULT_STORE_URL, disconnectKeyv } from './keyv.js';
export * from './types.js';
export * from './counters.js';
export type { AtomicCooldowns } from './atomic-cooldown.js';
export { LEASE_TTL_MS, type LeaseCap, type LeaseGrant, type LeaseLimits, type Leases } from './leases.js';

export const DEFAULT_ROSTER_CAP = 500;
export const DEFAULT_NAMESPACE_PREFIX = 'backstory';

export interface StoreOptions {
	/** Adapter errors (also the ones keyv only emits); log them, they must not crash the bot. */
	onError: (error: unknown) => void;
	/** Total time per store call before it fails with StoreUnavailableError. Default 2000 ms. */
	timeoutMs?: number;
	/** Most characters per roster. Default 500. */
	rosterCap?: number;
	/** Prefix of the keyv namespaces; tests use a unique one per run to share a Redis safely. */
	namespacePrefix?: string;
	/** Redis only: connect attempt limit. Default 1000 ms. */
	connectTimeoutMs?: number;
}

export interface Stores {
	characters: CharacterStore;
	settings: SettingsStore;
	cooldowns: CooldownStore;
	prompts: PromptStore;
	/** Daily quotas and /usage: atomic per UTC day. */
	usage: UsageCounterStore;
	/** Cooldowns taken atomically (check and write in one step, across processes on Redis). */
	atomicCooldowns: AtomicCooldowns;
	/** Running slots for the fair-use caps: in this process, or expiring leases in Redis shared by every process. */
	leases(limits: LeaseLimits): Leases;
	/** Disconnects every store; safe to call more than once, never throws. */
	close(): Promise<void>;
}

/** The keyv namespaces createStores uses, so tests can wipe exactly what they wrote. */
export function storeNamespaces(prefix = DEFAULT_NAMESPACE_PREFIX) {
	return {
		characters: `${prefix}:characters`,
		settings: `${prefix}:settings`,
		cooldowns: `${prefix}:cooldowns`,
		prompts: `${prefix}:prompts`,
		usage: `${prefix}:usage`,
	};
}

/**
 * Opens the stores on STORE_URL, each in its own keyv namespace (and its own connection).
 * Throws StoreConfigError for an unknown scheme; connection problems surface later, per call,
 * as StoreUnavailableError.
 */
export function createStores(storeUrl: string, options: StoreOptions): Stores {
	const timeoutMs = options.timeoutMs ?? DEFAULT_STORE_TIMEOUT_MS;
	const namespaces = storeNamespaces(options.namespacePrefix);
	const open = (namespace: string): Keyv =>
		createKeyvFromUrl(storeUrl, { namespace, onError: options.onError, connectTimeoutMs: options.connectTimeoutMs });
	const characterKeyv = open(namespaces.characters);
	const settingsKeyv = open(namespaces.settings);
	const cooldownKeyv = open(namespaces.cooldowns);
	const promptKeyv = open(namespaces.prompts);
	const usageKeyv = open(namespaces.usage);

	const usage: UsageCounterStore =
		usageKeyv.store instanceof KeyvRedis
			? new RedisUsageCounters(usageKeyv.store as KeyvRedis<unknown>, timeoutMs)
			: new KeyvUsageCounters(usageKeyv, timeoutMs);

	const opened: Leases[] = [];
	const feed = settingsFeed(settingsKeyv, options.onError);
	let closing: Promise<void> | undefined;
	return {
		characters: new KeyvCharacterStore(characterKeyv, {
			timeoutMs,
			rosterCap: options.rosterCap ?? DEFAULT_ROSTER_CAP,
		}),
		settings: cacheSettings(new KeyvSettingsStore(settingsKeyv, timeoutMs), undefined, undefined, feed),
		cooldowns: new KeyvCooldownStore(cooldownKeyv, timeoutMs),
		atomicCooldowns: new AtomicCooldowns(cooldownKeyv, timeoutMs),
		leases: (limits) => {
			const leases = createLeases(cooldownKeyv, limits, options.onError);
			opened.push(leases);
			return leases;
		},
		prompts: new KeyvPromptStore(promptKeyv, timeoutMs),
		usage,
		close() {
			// Closing a SQLite handle twice is an error, so every later call shares the first attempt.
			for (const leases of opened) leases.close();
			closing ??= settleWithin(usage.settled(), timeoutMs)
				.then(() => Promise.all([feed?.close(), ...[characterKeyv, settingsKeyv, cooldownKeyv, promptKeyv, usageKeyv].map((keyv) => disconnectKeyv(keyv))]))
				.then(() => undefined);
			return closing;
		},
	};
}
