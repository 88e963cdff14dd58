import { FALLBACK_LANGUAGE, i18n, type Language, type TextKey, type TextVars } from './catalogue.js';

export type { Language, TextKey, TextVars } from './catalogue.js';

/**
 * A user-facing text not yet put into words: its id and variables. Errors, refusals and notices carry
 * one, and whoever answers translates it into the reader's language (see locale.ts).
 */
export interface Text {
	readonly key: TextKey;
	readonly vars?: TextVars;
}

export function text(key: TextKey, vars?: TextVars): Text {
	return vars === undefined ? { key } : { key, vars };
}

/** The text `key` in `language`, with its {{variables}} filled in (and its plural form picked by `count`). */
export function t(language: Language, key: TextKey, vars?: TextVars): string {
	return i18n.t(key, { ...vars, lng: language });
}

/** A deferred `Text` in `language`; Text variables that are themselves Texts are not supported on purpose (keep them flat). */
export function render(language: Language, message: Text): string {
	return t(language, message.key, message.vars);
}

/** For log lines and `Error.message`: the operator reads English. */
export function english(message: Text): string {
	return render(FALLBACK_LANGUAGE, message);
}
