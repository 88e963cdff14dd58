import type { SettingsStore, WorldSetting } from './types.js';

/** Another process's change to a world setting or language shows up within this long. */
export const SETTINGS_CACHE_TTL_MS = 30_000;

/**
 * Every /backstory reads its server's world setting and language before calling Convai. They change
 * rarely, so reads are served from memory for a short while and concurrent misses share one store
 * read: under a burst of commands the store is asked once per server, not once per command.
 */
export function cacheSettings(store: SettingsStore, ttlMs = SETTINGS_CACHE_TTL_MS, now = Date.now): SettingsStore {
	const worlds = createCache<WorldSetting | undefined>(ttlMs, now);
	const languages = createCache<string | undefined>(ttlMs, now);

	return {
		get: (guildId) => worlds.read(guildId, () => store.get(guildId)),
		async set(guildId, text, by) {
			worlds.forget(guildId);
			const setting = await store.set(guildId, text, by);
			worlds.remember(guildId, setting);
			return setting;
		},
		async clear(guildId) {
			worlds.forget(guildId);
			await store.clear(guildId);
		},
		getLanguage: (guildId) => languages.read(guildId, () => store.getLanguage(guildId)),
		async setLanguage(guildId, language) {
			languages.forget(guildId);
			await store.setLanguage(guildId, language);
			languages.remember(guildId, language);
		},
	};
}

function createCache<Value>(ttlMs: number, now: () => number) {
	const cache = new Map<string, { value: Promise<Value>; expiresAt: number }>();
	return {
		read(guildId: string, load: () => Promise<Value>): Promise<Value> {
			const cached = cache.get(guildId);
			if (cached && cached.expiresAt > now()) return cached.value;
			const value = load();
			cache.set(guildId, { value, expiresAt: now() + ttlMs });
			// A failed read must not be remembered: the next command asks the store again.
			value.catch(() => cache.delete(guildId));
			return value;
		},
		remember(guildId: string, value: Value): void {
			cache.set(guildId, { value: Promise.resolve(value), expiresAt: now() + ttlMs });
		},
		forget(guildId: string): void {
			cache.delete(guildId);
		},
	};
}
