import i18next, { type i18n as I18n } from 'i18next';
import de from './locales/de.json' with { type: 'json' };
import enUS from './locales/en-US.json' with { type: 'json' };
import esES from './locales/es-ES.json' with { type: 'json' };
import fr from './locales/fr.json' with { type: 'json' };
import ja from './locales/ja.json' with { type: 'json' };
import pl from './locales/pl.json' with { type: 'json' };
import ptBR from './locales/pt-BR.json' with { type: 'json' };

/**
 * Every text a Discord user can see, one JSON file per language (imported, so the build copies them
 * into dist/). English is the reference: its keys type `TextKey`, and the catalogue test fails when
 * another file lacks a key, has an extra one, or uses different {{variables}}.
 */
export const LANGUAGES = ['en-US', 'de', 'fr', 'es-ES', 'pt-BR', 'pl', 'ja'] as const;
export type Language = (typeof LANGUAGES)[number];
export const FALLBACK_LANGUAGE: Language = 'en-US';

export const RESOURCES: Readonly<Record<Language, Readonly<Record<string, string>>>> = {
	'en-US': enUS,
	de,
	fr,
	'es-ES': esES,
	'pt-BR': ptBR,
	pl,
	ja,
};

type PluralSuffix = '_zero' | '_one' | '_two' | '_few' | '_many' | '_other';
type WithoutPlural<Key extends string> = Key extends `${infer Base}${PluralSuffix}` ? Base : Key;

/** A text id: a key of the English file, plural forms (`_one`, `_other`, …) named once without suffix. */
export type TextKey = WithoutPlural<keyof typeof enUS & string>;

/** Values for {{variables}}; `count` also picks the plural form. */
export type TextVars = Readonly<Record<string, string | number>>;

/** The one i18next instance. Resources are inline, so initialisation is synchronous. */
export const i18n: I18n = i18next.createInstance();
void i18n.init({
	resources: Object.fromEntries(LANGUAGES.map((language) => [language, { translation: RESOURCES[language] }])),
	lng: FALLBACK_LANGUAGE,
	fallbackLng: FALLBACK_LANGUAGE,
	supportedLngs: [...LANGUAGES],
	// Keys are flat ("roster.header"); dots and colons are part of the id, not paths or namespaces.
	keySeparator: false,
	nsSeparator: false,
	initAsync: false,
	// Discord is Markdown, not HTML: callers escape Markdown themselves where it matters.
	interpolation: { escapeValue: false },
	returnNull: false,
});
