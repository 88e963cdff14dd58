import { FALLBACK_LANGUAGE, LANGUAGES, type Language } from './catalogue.js';

/**
 * Which language to answer in. A reply speaks the language of the person it answers
 * (`interaction.locale`); a public notice that concerns the whole channel speaks the server's: the
 * one pinned with `/setting language`, else the server's language in Discord (`guild_locale`), else
 * English. Plain strings in, so this folder does not depend on discord.js.
 */

/** What an interaction tells us; discord.js's interactions have these fields. */
export interface LocaleSource {
	locale: string;
	guildLocale: string | null;
}

/** Endonyms, for `/setting language` choices and its confirmation: they read the same in every language. */
export const LANGUAGE_NAMES: Readonly<Record<Language, string>> = {
	'en-US': 'English',
	de: 'Deutsch',
	fr: 'Français',
	'es-ES': 'Español',
	'pt-BR': 'Português do Brasil',
	pl: 'Polski',
	ja: '日本語',
};

/**
 * The catalogue language for a Discord locale: an exact match, else the same language in another
 * region (`en-GB` -> `en-US`, `es-419` -> `es-ES`, `pt-PT` -> `pt-BR`), else English.
 */
export function resolveLanguage(locale: string | null | undefined): Language {
	if (!locale) return FALLBACK_LANGUAGE;
	const exact = LANGUAGES.find((language) => language.toLowerCase() === locale.toLowerCase());
	if (exact) return exact;
	const base = locale.split('-')[0]!.toLowerCase();
	return LANGUAGES.find((language) => language.split('-')[0]!.toLowerCase() === base) ?? FALLBACK_LANGUAGE;
}

export function isLanguage(value: string): value is Language {
	return (LANGUAGES as readonly string[]).includes(value);
}

/** The language of a reply: the person's own. */
export function replyLanguage(interaction: Pick<LocaleSource, 'locale'>): Language {
	return resolveLanguage(interaction.locale);
}

/** The language of a public notice in a server: the pinned one, else the server's Discord language, else English. */
export function channelLanguage(pinned: Language | undefined, interaction: Pick<LocaleSource, 'guildLocale'>): Language {
	return pinned ?? resolveLanguage(interaction.guildLocale);
}
