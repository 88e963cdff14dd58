import type Keyv from 'keyv';
import { runBounded } from './bounded.js';
import { SCHEMA_VERSION, type SettingsStore, type WorldSetting } from './types.js';

interface StoredWorldSetting extends WorldSetting {
	version: typeof SCHEMA_VERSION;
}

/** One key per server holding its world setting. */
export class KeyvSettingsStore implements SettingsStore {
	public constructor(
		private readonly keyv: Keyv,
		private readonly timeoutMs: number,
	) {}

	public async get(guildId: string): Promise<WorldSetting | undefined> {
		return runBounded('settings.get', this.timeoutMs, async () => {
			const stored = await this.keyv.get<StoredWorldSetting>(settingKey(guildId));
			if (stored === undefined) {
				return undefined;
			}
			if (stored.version !== SCHEMA_VERSION) {
				throw new Error(`World setting for ${guildId} has schema version ${String(stored.version)}.`);
			}
			return { text: stored.text, updatedBy: stored.updatedBy, updatedAt: stored.updatedAt };
		});
	}

	public async set(guildId: string, text: string, updatedBy: string): Promise<WorldSetting> {
		return runBounded('settings.set', this.timeoutMs, async () => {
			const setting: WorldSetting = { text, updatedBy, updatedAt: Date.now() };
			const stored: StoredWorldSetting = { version: SCHEMA_VERSION, ...setting };
			await this.keyv.set(settingKey(guildId), stored);
			return setting;
		});
	}

	public async clear(guildId: string): Promise<void> {
		await runBounded('settings.clear', this.timeoutMs, () => this.keyv.delete(settingKey(guildId)));
	}
}

function settingKey(guildId: string): string {
	return `guild:${guildId}:world`;
}
