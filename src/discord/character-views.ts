import {
	ButtonStyle,
	ComponentType,
	escapeMarkdown,
	time,
	TimestampStyles,
	type APIActionRowComponent,
	type APIApplicationCommandOptionChoice,
	type APIComponentInMessageActionRow,
} from 'discord.js';
import { DISCORD_MESSAGE_LIMIT } from '../render/split.js';
import type { CharacterSummary, SavedCharacter } from '../store/index.js';
import type { TalkStatus } from '../talk/talk.js';
import { voiceName } from '../talk/talk-text.js';
import { t, type Language } from '../i18n/text.js';
import { truncate } from '../render/truncate.js';

/**
 * How saved characters look in Discord: list pages, autocomplete choices, the header of a shown
 * character and the Markdown export, in the reader's language. Pure functions, so the command file
 * only deals with the store.
 */

export const PAGE_SIZE = 10;
/** Button ids are `characters:page:<page>:<user id>`: enough to recompute the page after a restart. */
export const PAGE_BUTTON_PREFIX = 'characters:page';

/** Discord caps a choice's name and value at 100 characters. */
const CHOICE_MAX = 100;
/** Long names and nicknames would push a ten-line page past one message. */
const LIST_NAME_MAX = 60;
const AUTHOR_MAX = 32;

export interface ListPage {
	items: CharacterSummary[];
	/** 1-based, already clamped to the last page. */
	page: number;
	pageCount: number;
	total: number;
	/** The asker's private characters are mixed in, so the reply must be ephemeral. */
	includesPrivate: boolean;
}

export function listContent(list: ListPage, language: Language): string {
	if (list.total === 0) return t(language, 'roster.empty');
	const header = [
		t(language, 'roster.header', { page: list.page, pages: list.pageCount, total: t(language, 'roster.total', { count: list.total }) }),
		...(list.includesPrivate ? [`-# ${t(language, 'roster.privateNote')}`] : []),
	].join('\n');
	// Two characters with the same name on one page also get their time, so they can be told apart.
	const counts = countBy(list.items, (item) => foldName(item.name));
	const lines = (withLinks: boolean) =>
		list.items.map((item) => {
			const style = (counts.get(foldName(item.name)) ?? 0) > 1 ? TimestampStyles.ShortDateTime : TimestampStyles.ShortDate;
			const parts = [
				`${item.private ? '🔒 ' : ''}**${escapeMarkdown(truncate(item.name, LIST_NAME_MAX))}**`,
				t(language, 'roster.by', { author: escapeMarkdown(truncate(item.authorName, AUTHOR_MAX)) }),
				time(Math.floor(item.createdAt / 1_000), style),
				...(withLinks && item.messageUrl ? [`[${t(language, 'roster.messageLink')}](<${item.messageUrl}>)`] : []),
			];
			return `- ${parts.join(' · ')}`;
		});
	const full = [header, ...lines(true)].join('\n');
	// Worst case (escaped long names, every line linked) overflows a message; the links go first.
	return full.length <= DISCORD_MESSAGE_LIMIT ? full : [header, ...lines(false)].join('\n');
}

export function pageButtons(list: ListPage, userId: string, language: Language): APIActionRowComponent<APIComponentInMessageActionRow>[] {
	if (list.pageCount <= 1) return [];
	const button = (label: string, page: number, emoji: string): APIComponentInMessageActionRow => ({
		type: ComponentType.Button,
		style: ButtonStyle.Secondary,
		label,
		emoji: { name: emoji },
		custom_id: `${PAGE_BUTTON_PREFIX}:${page}:${userId}`,
		disabled: page < 1 || page > list.pageCount,
	});
	return [
		{
			type: ComponentType.ActionRow,
			components: [
				button(t(language, 'roster.previous'), list.page - 1, '◀️'),
				button(t(language, 'roster.next'), list.page + 1, '▶️'),
			],
		},
	];
}

/**
 * Autocomplete choices, newest first. Names repeat, so each label carries the date; when that is not
 * enough it adds the time, then a number counting from the oldest. The value is the character id.
 */
export function nameChoices(items: CharacterSummary[], language: Language): APIApplicationCommandOptionChoice<string>[] {
	const labels = items.map((item) => ({ item, when: shortDate(item.createdAt, language) }));
	const byDay = countBy(labels, ({ item, when }) => `${foldName(item.name)}|${when}`);
	for (const label of labels) {
		if ((byDay.get(`${foldName(label.item.name)}|${label.when}`) ?? 0) > 1) label.when = `${label.when} ${shortTime(label.item.createdAt)}`;
	}
	const seen = new Map<string, number>();
	const byMinute = countBy(labels, ({ item, when }) => `${foldName(item.name)}|${when}`);
	// Oldest first, so "#1" stays the first one written while newer ones arrive.
	for (const label of [...labels].reverse()) {
		const key = `${foldName(label.item.name)}|${label.when}`;
		if ((byMinute.get(key) ?? 0) < 2) continue;
		const ordinal = (seen.get(key) ?? 0) + 1;
		seen.set(key, ordinal);
		label.when = `${label.when} #${ordinal}`;
	}
	return labels.map(({ item, when }) => {
		const lock = item.private ? '🔒 ' : '';
		const suffix = ` · ${when} · ${t(language, 'roster.by', { author: truncate(item.authorName, AUTHOR_MAX) })}`;
		return { name: lock + truncate(item.name, CHOICE_MAX - lock.length - suffix.length) + suffix, value: item.id.slice(0, CHOICE_MAX) };
	});
}

/** The `/characters show` line about talking; without a status (store slow) it still says how. */
export function talkNote(character: SavedCharacter, status: TalkStatus | undefined, language: Language): string {
	return [
		t(language, character.private ? 'talk.canTalkPrivately' : 'talk.canTalk'),
		...(status ? [t(language, 'talk.voiceNote', { voice: voiceName(language, status.voiceType) }), t(language, status.awake ? 'talk.awake' : 'talk.asleep')] : []),
	].join(' · ');
}

/** Said when a typed name matched several characters and the newest was taken. */
export function sameNameNote(matches: number, language: Language): string | undefined {
	return matches > 1 ? t(language, 'roster.sameName', { count: matches }) : undefined;
}

/**
 * The first lines of `/characters show`, before the text; `note` explains an ambiguous name and
 * `talkNote` says how the character can be talked to.
 */
export function characterHeader(character: SavedCharacter, language: Language, note?: string, talkNote?: string): string {
	const details = [
		t(language, 'roster.by', { author: escapeMarkdown(character.authorName) }),
		time(Math.floor(character.createdAt / 1_000), TimestampStyles.ShortDate),
		...(character.private ? [`🔒 ${t(language, 'roster.private')}`] : []),
		...(character.messageUrl ? [`[${t(language, 'roster.originalMessage')}](<${character.messageUrl}>)`] : []),
	];
	const notes = [note, talkNote].filter((line) => line !== undefined).map((line) => `-# ${line}`);
	return [`📜 **${escapeMarkdown(character.name)}**`, `-# ${details.join(' · ')}`, ...notes, ''].join('\n');
}

/** A file people can keep or paste into campaign notes: a heading per character, then its text. */
export function exportMarkdown(characters: SavedCharacter[], title: string, language: Language, exportedAt = Date.now()): string {
	const field = (label: 'export.author' | 'export.written' | 'export.description' | 'export.message' | 'export.private', value: string) =>
		`- ${t(language, label)}: ${value}`;
	const sections = characters.map((character) =>
		[
			`## ${character.name}`,
			'',
			field('export.author', character.authorName),
			field('export.written', isoMinute(character.createdAt)),
			field('export.description', character.description),
			...(character.messageUrl ? [field('export.message', character.messageUrl)] : []),
			...(character.private ? [field('export.private', t(language, 'export.privateNote'))] : []),
			'',
			character.text,
			'',
		].join('\n'),
	);
	const exported = t(language, 'export.exported', { when: isoMinute(exportedAt), count: characters.length });
	return [`# ${title}`, '', exported, '', ...sections].join('\n');
}

/** A file name Discord accepts everywhere: the character's name in ASCII, or a generic one. */
export function exportFileName(name?: string): string {
	if (name === undefined) return 'characters.md';
	const slug = name
		.normalize('NFKD')
		.replace(/[^\w-]+/g, '-')
		.replace(/^-+|-+$/g, '')
		.toLowerCase()
		.slice(0, 60);
	return `${slug || 'character'}.md`;
}

/** Same folding as the store's name lookups, so "mindy" and "Mindy" count as one name. */
export function foldName(name: string): string {
	return name.normalize('NFKC').trim().toLowerCase();
}

/**
 * "12 Mar 2026" (English), "12. März 2026" (German)…, in UTC: autocomplete labels are plain text, so
 * Discord cannot localise them. English uses the day-month-year order every reader parses alike.
 */
export function shortDate(ms: number, language: Language): string {
	const locale = language === 'en-US' ? 'en-GB' : language;
	return new Intl.DateTimeFormat(locale, { day: 'numeric', month: 'short', year: 'numeric', timeZone: 'UTC' }).format(ms);
}

function shortTime(ms: number): string {
	return `${new Date(ms).toISOString().slice(11, 16)} UTC`;
}

function isoMinute(ms: number): string {
	return `${new Date(ms).toISOString().slice(0, 16).replace('T', ' ')} UTC`;
}

function countBy<T>(items: T[], key: (item: T) => string): Map<string, number> {
	const counts = new Map<string, number>();
	for (const item of items) counts.set(key(item), (counts.get(key(item)) ?? 0) + 1);
	return counts;
}
