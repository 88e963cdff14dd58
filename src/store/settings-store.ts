import type Keyv from 'keyv';
import { runBounded } from './bounded.js';
import { SCHEMA_VERSION, type SettingsStore, type WorldSetting } from './types.js';

interface StoredWorldSetting extends WorldSetting {
	version: typeof SCHEMA_VERSION;
}

interface StoredLanguage {
	version: typeof SCHEMA_VERSION;
	language: string;
}

/** One key per server holding its world setting, and a sibling key for its pinned language. */
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

	public async getLanguage(guildId: string): Promise<string | undefined> {
		return runBounded('settings.getLanguage', this.timeoutMs, async () => {
			const stored = await this.keyv.get<StoredLanguage>(languageKey(guildId));
			return stored?.version === SCHEMA_VERSION ? stored.language : undefined;
		});
	}

	public async setLanguage(guildId: string, language: string | undefined): Promise<void> {
		await runBounded('settings.setLanguage', this.timeoutMs, async () => {
			if (language === undefined) await this.keyv.delete(languageKey(guildId));
			else await this.keyv.set(languageKey(guildId), { version: SCHEMA_VERSION, language } satisfies StoredLanguage);
		});
	}
}

function languageKey(guildId: string): string {
	return `guild:${guildId}:language`;
}

function settingKey(guildId: string): string {
	return `guild:${guildId}:world`;
}
