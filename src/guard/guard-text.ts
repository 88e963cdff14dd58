import { escapeMarkdown, time, TimestampStyles } from 'discord.js';
import { t, text, type Language, type Text, type TextKey } from '../i18n/text.js';
import type { TopEntry } from '../store/index.js';
import type { QuotaName, QuotaRefusal, TodaysUsage } from './quotas.js';

/**
 * The guard's user-facing texts live in the catalogue (`screening.*`, `quota.*`, `usage.*`,
 * src/i18n/locales); this module picks the keys and fills in the variables.
 */

const when = (ms: number): string => time(Math.ceil(ms / 1_000), TimestampStyles.RelativeTime);

/** Never names the word that matched: repeating it would only teach people how to get around it. */
export const BLOCKED_INPUT: Text = text('screening.blocked');

const QUOTA_TEXT = {
	'user-generations': 'quota.userGenerations',
	'guild-generations': 'quota.guildGenerations',
	'user-talks': 'quota.userTalks',
} as const satisfies Record<QuotaName, TextKey>;

export function quotaRefusalText({ quota, limit, resetsAt }: QuotaRefusal): Text {
	return text(QUOTA_TEXT[quota], { limit, when: when(resetsAt) });
}

export function usageText(language: Language, usage: TodaysUsage): string {
	const { limits } = usage;
	const say = (key: TextKey, vars?: Record<string, string | number>) => t(language, key, vars);
	const perPerson = say('usage.perPerson', {
		generations: limits.generationsPerUser > 0 ? say('usage.perPersonGenerations', { limit: limits.generationsPerUser }) : say('usage.perPersonGenerationsUnlimited'),
		talks: limits.talksPerUser > 0 ? say('usage.perPersonTalks', { limit: limits.talksPerUser }) : say('usage.perPersonTalksUnlimited'),
	});
	return [
		say('usage.title', { when: when(usage.resetsAt) }),
		limits.generationsPerGuild > 0
			? say('usage.generations', { n: usage.generations, limit: limits.generationsPerGuild })
			: say('usage.generationsUnlimited', { n: usage.generations }),
		say('usage.talks', { n: usage.talks }),
		say('usage.blocked', { n: usage.blocked }),
		perPerson,
		'',
		say('usage.topGenerations'),
		topList(language, usage.top.generations),
		say('usage.topTalks'),
		topList(language, usage.top.talks),
	].join('\n');
}

function topList(language: Language, entries: TopEntry[]): string {
	if (entries.length === 0) return t(language, 'usage.nobody');
	// Display names only, escaped: the list is for reading, and mentions are off anyway.
	return entries.map((entry, index) => `${index + 1}. ${escapeMarkdown(entry.name.slice(0, 40))}: ${entry.count}`).join('\n');
}
