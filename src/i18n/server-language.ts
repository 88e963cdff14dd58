import type { SettingsStore } from '../store/types.js';
import { settleWithin } from '../store/settle-within.js';
import { channelLanguage, isLanguage, type LocaleSource } from './locale.js';
import type { Language } from './catalogue.js';

/** A stuck store must not hold up a notice: past this, the server's Discord language is used. */
const LANGUAGE_LOOKUP_TIMEOUT_MS = 1_000;

/**
 * The language of public notices in the interaction's server: pinned with `/setting language`, else
 * the server's Discord language, else English. Never throws: a store outage falls back to guild_locale.
 */
export async function serverLanguage(
	interaction: Pick<LocaleSource, 'guildLocale'> & { guildId: string | null },
	settings: SettingsStore,
): Promise<Language> {
	if (!interaction.guildId) return channelLanguage(undefined, interaction);
	const pinned = await settleWithin(settings.getLanguage(interaction.guildId), LANGUAGE_LOOKUP_TIMEOUT_MS);
	const language = pinned.ok ? pinned.value : undefined;
	return channelLanguage(language !== undefined && isLanguage(language) ? language : undefined, interaction);
}
