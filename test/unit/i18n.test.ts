import { Locale } from 'discord.js';
import { describe, expect, it } from 'vitest';
import { commands } from '../../src/commands.js';
import { FALLBACK_LANGUAGE, LANGUAGES, RESOURCES, type Language } from '../../src/i18n/catalogue.js';
import { channelLanguage, resolveLanguage } from '../../src/i18n/locale.js';
import { t } from '../../src/i18n/text.js';
import { openApiValidator } from '../support/fake-discord/openapi.js';

/**
 * The catalogue checks: every language has exactly English's texts, with the same {{variables}} and
 * the plural forms its CLDR rules need. A failure names the language and the key, so adding a
 * language is: copy en-US.json, translate, and run this file until it passes.
 */

const PLURAL = /_(zero|one|two|few|many|other)$/;

/** base key -> the plural forms it has (empty for a plain key) and the variables used in any form. */
function shape(resource: Readonly<Record<string, string>>) {
	const keys = new Map<string, { forms: Set<string>; vars: Set<string> }>();
	for (const [key, value] of Object.entries(resource)) {
		const form = PLURAL.exec(key)?.[1];
		const base = form ? key.slice(0, -form.length - 1) : key;
		const entry = keys.get(base) ?? { forms: new Set<string>(), vars: new Set<string>() };
		if (form) entry.forms.add(form);
		for (const match of value.matchAll(/{{\s*([\w.]+)\s*}}/g)) entry.vars.add(match[1]!);
		keys.set(base, entry);
	}
	return keys;
}

const english = shape(RESOURCES[FALLBACK_LANGUAGE]);

describe.each(LANGUAGES)('the %s catalogue', (language) => {
	const catalogue = shape(RESOURCES[language]);
	const required = new Intl.PluralRules(language).resolvedOptions().pluralCategories.slice().sort();

	it('has every text English has', () => {
		expect([...english.keys()].filter((key) => !catalogue.has(key))).toEqual([]);
	});

	it('has no text English lacks', () => {
		expect([...catalogue.keys()].filter((key) => !english.has(key))).toEqual([]);
	});

	it('uses the same {{variables}} as English in every text', () => {
		const differing = [...english].flatMap(([key, { vars }]) => {
			const own = catalogue.get(key)?.vars ?? new Set();
			return [...vars].sort().join() === [...own].sort().join() ? [] : [`${key}: {${[...own]}} vs English {${[...vars]}}`];
		});
		expect(differing).toEqual([]);
	});

	it(`gives each plural text exactly the forms ${language} needs (${required.join(', ')}), and plain texts none`, () => {
		const wrong = [...english].flatMap(([key, { forms }]) => {
			const own = [...(catalogue.get(key)?.forms ?? [])].sort();
			const wanted = forms.size > 0 ? required : [];
			return own.join() === wanted.join() ? [] : [`${key}: ${own.join() || 'plain'} instead of ${wanted.join() || 'plain'}`];
		});
		expect(wrong).toEqual([]);
	});

	it('has no empty text', () => {
		expect(Object.entries(RESOURCES[language]).filter(([, value]) => value.trim() === '')).toEqual([]);
	});

	it('mentions commands by the names this language gives them', () => {
		const names = new Set<string>();
		const collect = (node: { name: string; name_localizations?: Record<string, string> | null; options?: unknown[] }, prefix: string) => {
			const local = language === FALLBACK_LANGUAGE ? node.name : (node.name_localizations?.[language] ?? node.name);
			const path = prefix ? `${prefix} ${local}` : local;
			names.add(path);
			for (const child of (node.options ?? []) as Array<typeof node & { type: number }>) if (child.type === 1) collect(child, path);
		};
		for (const command of commands) collect(command.data as unknown as Parameters<typeof collect>[0], '');
		const references = Object.values(RESOURCES[language]).flatMap((value) =>
			[...value.matchAll(/(?:^|[\s`(])\/([\p{L}\p{N}_-]+(?: [\p{L}\p{N}_-]+(?=[`\s.]))?)/gu)].map((match) => match[1]!),
		);
		expect(references.length).toBeGreaterThan(5);
		// A reference is a command, optionally followed by one of its subcommands or by an option (name:…).
		const unknown = references.filter((ref) => !names.has(ref) && !names.has(ref.split(' ')[0]!));
		expect(unknown).toEqual([]);
	});
});

describe('picking a language', () => {
	it('uses the exact Discord locale, else the same language elsewhere, else English', () => {
		expect(resolveLanguage('de')).toBe('de');
		expect(resolveLanguage('pt-BR')).toBe('pt-BR');
		expect(resolveLanguage('es-419')).toBe('es-ES');
		expect(resolveLanguage('en-GB')).toBe('en-US');
		expect(resolveLanguage('ko')).toBe('en-US');
		expect(resolveLanguage(null)).toBe('en-US');
	});

	it('speaks to a channel in the pinned language, else the server language, else English', () => {
		expect(channelLanguage('ja', { guildLocale: 'de' })).toBe('ja');
		expect(channelLanguage(undefined, { guildLocale: 'de' })).toBe('de');
		expect(channelLanguage(undefined, { guildLocale: null })).toBe('en-US');
	});

	it('fills variables and picks plural forms by each language rules', () => {
		expect(t('en-US', 'roster.total', { count: 1 })).toBe('1 character');
		expect(t('en-US', 'roster.total', { count: 3 })).toBe('3 characters');
		expect([1, 3, 5, 22, 25].map((count) => t('pl', 'roster.total', { count }))).toEqual([
			'1 postać',
			'3 postacie',
			'5 postaci',
			'22 postacie',
			'25 postaci',
		]);
		expect(t('ja', 'roster.total', { count: 1 })).toBe('1人');
		expect(t('de', 'notice.stoppedBy', { who: '<@1> **x**' })).toBe('gestoppt von <@1> **x**');
	});
});

describe('slash command definitions', () => {
	const data = commands.map((command) => command.data);
	const discordLocales = new Set<string>(Object.values(Locale));
	const NAME = /^[-_'\p{L}\p{N}\p{sc=Deva}\p{sc=Thai}]{1,32}$/u;

	it('pass Discord schema for a bulk overwrite', () => {
		const check = openApiValidator().validate('/applications/{application_id}/commands', 'put', data);
		expect(check.errors).toEqual([]);
		expect(check.ok).toBe(true);
	});

	type Node = {
		name: string;
		description?: string;
		name_localizations?: Record<string, string> | null;
		description_localizations?: Record<string, string> | null;
		options?: Node[];
		choices?: Array<{ name: string; name_localizations?: Record<string, string> }>;
	};
	const nodes = (node: Node, path: string): Array<{ node: Node; path: string }> => [
		{ node, path },
		...(node.options ?? []).flatMap((child) => nodes(child, `${path} ${child.name}`)),
	];
	const all = data.flatMap((command) => nodes(command as unknown as Node, command.name));

	it('name and describe every command, subcommand and option in every language, within Discord rules', () => {
		const problems: string[] = [];
		for (const { node, path } of all) {
			for (const language of LANGUAGES.filter((language) => language !== FALLBACK_LANGUAGE)) {
				const name = node.name_localizations?.[language];
				const description = node.description_localizations?.[language];
				if (!name || !NAME.test(name) || name !== name.toLowerCase()) problems.push(`${path} [${language}] name ${name}`);
				if (!description || description.length > 100) problems.push(`${path} [${language}] description ${description}`);
			}
			for (const map of [node.name_localizations, node.description_localizations]) {
				for (const locale of Object.keys(map ?? {})) if (!discordLocales.has(locale)) problems.push(`${path}: ${locale} is not a Discord locale`);
			}
			if (!NAME.test(node.name) || node.name !== node.name.toLowerCase()) problems.push(`${path}: base name ${node.name}`);
			expect(node.description).toBe(t('en-US', `command.${path.replaceAll(' ', '.')}.description` as never));
		}
		expect(problems).toEqual([]);
	});

	it('give sibling options distinct names in every language, as Discord requires', () => {
		const clashes: string[] = [];
		for (const { node, path } of all) {
			for (const language of LANGUAGES) {
				const names = (node.options ?? []).map((child) => (language === FALLBACK_LANGUAGE ? child.name : child.name_localizations?.[language]));
				if (new Set(names).size !== names.length) clashes.push(`${path} [${language}]: ${names.join(', ')}`);
			}
		}
		expect(clashes).toEqual([]);
	});

	it('keep the English catalogue names equal to the names the code routes by', () => {
		for (const { node, path } of all) expect(t('en-US', `command.${path.replaceAll(' ', '.')}.name` as never)).toBe(node.name);
	});

	it('label the "auto" language choice in every language', () => {
		const option = all.find(({ path }) => path === 'setting language language')!.node;
		const auto = option.choices!.find((choice) => choice.name === t('en-US', 'command.setting.language.language.auto'))!;
		for (const language of LANGUAGES.filter((language: Language) => language !== FALLBACK_LANGUAGE)) {
			expect(auto.name_localizations?.[language]).toBe(t(language, 'command.setting.language.language.auto'));
		}
	});
});
