import type { SettingsStore, WorldSetting } from './types.js';

/** Another process's change to a world setting shows up within this long. */
export const SETTINGS_CACHE_TTL_MS = 30_000;

/**
 * Every /backstory reads its server's world setting before calling Convai. A setting changes rarely,
 * so reads are served from memory for a short while and concurrent misses share one store read:
 * under a burst of commands the store is asked once per server, not once per command.
 */
export function cacheSettings(store: SettingsStore, ttlMs = SETTINGS_CACHE_TTL_MS, now = Date.now): SettingsStore {
	const cache = new Map<string, { value: Promise<WorldSetting | undefined>; expiresAt: number }>();

	return {
		get(guildId) {
			const cached = cache.get(guildId);
			if (cached && cached.expiresAt > now()) return cached.value;
			const value = store.get(guildId);
			cache.set(guildId, { value, expiresAt: now() + ttlMs });
			// A failed read must not be remembered: the next command asks the store again.
			value.catch(() => cache.delete(guildId));
			return value;
		},
		async set(guildId, text, by) {
			cache.delete(guildId);
			const setting = await store.set(guildId, text, by);
			cache.set(guildId, { value: Promise.resolve(setting), expiresAt: now() + ttlMs });
			return setting;
		},
		async clear(guildId) {
			cache.delete(guildId);
			await store.clear(guildId);
		},
	};
}
