import type { SettingsFeed } from './settings-feed.js';
import type { SettingsStore, WorldSetting } from './types.js';

/** How long a setting is served from memory (another process's change drops it at once through the feed). */
export const SETTINGS_CACHE_TTL_MS = 30_000;

/**
 * Every /backstory reads its server's world setting before calling Convai. A setting changes rarely,
 * so reads are served from memory for a short while and concurrent misses share one store read:
 * under a burst of commands the store is asked once per server, not once per command.
 *
 * With several processes on one Redis, `feed` carries every change to the others, which drop their
 * copy; while the feed is down nothing is served from memory.
 */
export function cacheSettings(store: SettingsStore, ttlMs = SETTINGS_CACHE_TTL_MS, now = Date.now, feed?: SettingsFeed): SettingsStore {
	const cache = new Map<string, { value: Promise<WorldSetting | undefined>; expiresAt: number }>();
	feed?.onChange((guildId) => (guildId === null ? cache.clear() : cache.delete(guildId)));
	const announce = async (guildId: string): Promise<void> => {
		// The change is saved; failing to announce it must not fail the command (others catch up within ttlMs).
		await feed?.publish(guildId).catch(() => undefined);
	};

	return {
		get(guildId) {
			const cached = cache.get(guildId);
			if (cached && cached.expiresAt > now() && (feed === undefined || feed.live)) return cached.value;
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
			await announce(guildId);
			return setting;
		},
		async clear(guildId) {
			cache.delete(guildId);
			await store.clear(guildId);
			await announce(guildId);
		},
	};
}
