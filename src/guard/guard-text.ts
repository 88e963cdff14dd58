import { escapeMarkdown, time, TimestampStyles } from 'discord.js';
import type { TopEntry } from '../store/index.js';
import type { QuotaRefusal, TodaysUsage } from './quotas.js';

/** Every sentence the guard shows people, in one place (for the coming i18n catalogue). */

const when = (ms: number): string => time(Math.ceil(ms / 1_000), TimestampStyles.RelativeTime);

/** Never names the word that matched: repeating it would only teach people how to get around it. */
export const BLOCKED_INPUT =
	'🚫 This was not sent. It contains words this bot does not send to Convai (abuse, slurs, sexual content, or words this server has blocked), which could get the server owner’s key shut off. Please reword it.';

export function quotaRefusalText({ quota, limit, resetsAt }: QuotaRefusal): string {
	const resets = `The count starts again ${when(resetsAt)} (midnight UTC).`;
	switch (quota) {
		case 'user-generations':
			return `You have used your ${limit} backstories for today (the daily limit per person). ${resets}`;
		case 'guild-generations':
			return `This server has used its ${limit} backstories for today (the daily limit for the server). ${resets}`;
		case 'user-talks':
			return `You have sent your ${limit} messages to characters for today (the daily limit per person). ${resets}`;
	}
}

export const USAGE_NEEDS_MANAGE_SERVER = 'Only members with the Manage Server permission can see this server’s usage.';
export const USAGE_UNAVAILABLE = 'The usage counts are unavailable right now (the store does not answer). Please try again in a minute.';

const ofLimit = (count: number, limit: number, what: string): string => (limit > 0 ? `${count} / ${limit} ${what}` : `${count} (${what}: no limit)`);

export function usageText(usage: TodaysUsage): string {
	const { limits } = usage;
	const perPerson = [
		limits.generationsPerUser > 0 ? `${limits.generationsPerUser} backstories` : 'backstories: no limit',
		limits.talksPerUser > 0 ? `${limits.talksPerUser} talk messages` : 'talk messages: no limit',
	].join(', ');
	return [
		`📊 **Usage today** (UTC day; the counts start again ${when(usage.resetsAt)})`,
		`Backstories: ${ofLimit(usage.generations, limits.generationsPerGuild, 'server quota')}`,
		`Talk messages: ${usage.talks}`,
		`Inputs blocked before reaching Convai: ${usage.blocked}`,
		`-# Per person and day: ${perPerson}. Members with Manage Server are exempt from the per-person limits.`,
		'',
		'**Most backstories**',
		topList(usage.top.generations),
		'**Most talk messages**',
		topList(usage.top.talks),
	].join('\n');
}

function topList(entries: TopEntry[]): string {
	if (entries.length === 0) return '-# nobody yet today';
	// Display names only, escaped: the list is for reading, and mentions are off anyway.
	return entries.map((entry, index) => `${index + 1}. ${escapeMarkdown(entry.name.slice(0, 40))}: ${entry.count}`).join('\n');
}
