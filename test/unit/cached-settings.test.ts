import { describe, expect, it, vi } from 'vitest';
import { cacheSettings } from '../../src/store/cached-settings.js';
import type { SettingsStore, WorldSetting } from '../../src/store/types.js';

function countingStore() {
	const values = new Map<string, WorldSetting>();
	const languages = new Map<string, string>();
	const store: SettingsStore = {
		get: vi.fn(async (guildId: string) => values.get(guildId)),
		set: vi.fn(async (guildId: string, text: string, updatedBy: string) => {
			const setting = { text, updatedBy, updatedAt: 1 };
			values.set(guildId, setting);
			return setting;
		}),
		clear: vi.fn(async (guildId: string) => void values.delete(guildId)),
		getLanguage: vi.fn(async (guildId: string) => languages.get(guildId)),
		setLanguage: vi.fn(async (guildId: string, language: string | undefined) => {
			if (language === undefined) languages.delete(guildId);
			else languages.set(guildId, language);
		}),
	};
	return { store, values, languages };
}

describe('cacheSettings', () => {
	it('asks the store once for a burst of reads and again after the time to live', async () => {
		const { store, values } = countingStore();
		values.set('g', { text: 'Steam', updatedBy: 'u', updatedAt: 1 });
		let clock = 0;
		const cached = cacheSettings(store, 1_000, () => clock);
		const reads = await Promise.all(Array.from({ length: 50 }, () => cached.get('g')));
		expect(reads.every((read) => read?.text === 'Steam')).toBe(true);
		expect(store.get).toHaveBeenCalledTimes(1);
		clock = 1_001;
		await cached.get('g');
		expect(store.get).toHaveBeenCalledTimes(2);
	});

	it('sees its own set and clear at once', async () => {
		const { store } = countingStore();
		const cached = cacheSettings(store, 60_000);
		expect(await cached.get('g')).toBeUndefined();
		await cached.set('g', 'Brass', 'u');
		expect((await cached.get('g'))?.text).toBe('Brass');
		await cached.clear('g');
		expect(await cached.get('g')).toBeUndefined();
	});

	it('does not remember a failed read', async () => {
		const { store } = countingStore();
		vi.mocked(store.get).mockRejectedValueOnce(new Error('store down'));
		const cached = cacheSettings(store, 60_000);
		await expect(cached.get('g')).rejects.toThrow('store down');
		await expect(cached.get('g')).resolves.toBeUndefined();
	});

	it('caches the pinned language like the world setting, and a change is seen at once by this process', async () => {
		let clock = 0;
		const { store, languages } = countingStore();
		const cached = cacheSettings(store, 1_000, () => clock);
		languages.set('g', 'de');
		expect(await Promise.all([cached.getLanguage('g'), cached.getLanguage('g')])).toEqual(['de', 'de']);
		expect(store.getLanguage).toHaveBeenCalledTimes(1);
		await cached.setLanguage('g', 'ja');
		expect(await cached.getLanguage('g')).toBe('ja');
		expect(store.getLanguage).toHaveBeenCalledTimes(1);
		languages.set('g', 'pl');
		clock = 1_001;
		expect(await cached.getLanguage('g')).toBe('pl');
	});
});
