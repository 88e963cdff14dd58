import type { SettingsFeed } from './settings-feed.js';
import type { SettingsStore, WorldSetting } from './types.js';

/** How long a world setting or language is served from memory (another process's change drops it at once through the feed). */
export const SETTINGS_CACHE_TTL_MS = 30_000;

/**
 * Every /backstory reads its server's world setting and language before calling Convai. They change
 * rarely, so reads are served from memory for a short while and concurrent misses share one store
 * read: under a burst of commands the store is asked once per server, not once per command.
 *
 * With several processes on one Redis, `feed` carries every change (world setting or language) to
 * the others, which drop both their copies for that server; while the feed is down nothing is
 * served from memory.
 */
export function cacheSettings(store: SettingsStore, ttlMs = SETTINGS_CACHE_TTL_MS, now = Date.now, feed?: SettingsFeed): SettingsStore {
	const fresh = (): boolean => feed === undefined || feed.live;
	const worlds = createCache<WorldSetting | undefined>(ttlMs, now, fresh);
	const languages = createCache<string | undefined>(ttlMs, now, fresh);
	feed?.onChange((guildId) => {
		if (guildId === null) {
			worlds.clear();
			languages.clear();
		} else {
			worlds.forget(guildId);
			languages.forget(guildId);
		}
	});
	const announce = async (guildId: string): Promise<void> => {
		// The change is saved; failing to announce it must not fail the command (others catch up within ttlMs).
		await feed?.publish(guildId).catch(() => undefined);
	};

	return {
		get: (guildId) => worlds.read(guildId, () => store.get(guildId)),
		async set(guildId, text, by) {
			worlds.forget(guildId);
			const setting = await store.set(guildId, text, by);
			worlds.remember(guildId, setting);
			await announce(guildId);
			return setting;
		},
		async clear(guildId) {
			worlds.forget(guildId);
			await store.clear(guildId);
			await announce(guildId);
		},
		getLanguage: (guildId) => languages.read(guildId, () => store.getLanguage(guildId)),
		async setLanguage(guildId, language) {
			languages.forget(guildId);
			await store.setLanguage(guildId, language);
			languages.remember(guildId, language);
			await announce(guildId);
		},
	};
}

/** `fresh()` false: cached values may be stale (the feed is down), so every read goes to the store. */
function createCache<Value>(ttlMs: number, now: () => number, fresh: () => boolean) {
	const cache = new Map<string, { value: Promise<Value>; expiresAt: number }>();
	return {
		read(guildId: string, load: () => Promise<Value>): Promise<Value> {
			const cached = cache.get(guildId);
			if (cached && cached.expiresAt > now() && fresh()) return cached.value;
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
		clear(): void {
			cache.clear();
		},
	};
}
