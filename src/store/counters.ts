/**
 * Daily usage counters: how many generations and talks each user and each server had on one UTC
 * day, how many inputs were blocked, and a bounded top list per server. `take` checks the limits
 * and counts in one atomic step (a Lua script on Redis; on SQLite and memory, in this process
 * without awaiting between check and count), so two commands arriving together can never both take the last unit.
 */

export type UsageKind = 'generations' | 'talks';
export const USAGE_KINDS: readonly UsageKind[] = ['generations', 'talks'];

/** Users kept per server, day and kind for the top list; the least active drop off first. */
export const TOP_LIST_CAP = 100;

export interface UsageTake {
	/** UTC day as YYYY-MM-DD; every counter of a day expires when it is over. */
	day: string;
	kind: UsageKind;
	userId: string;
	/** Shown in the top list (a display name, never a mention). */
	userName: string;
	/** null outside a server: only the user's own counter applies. */
	guildId: string | null;
	/** Most units of `kind` this user may take that day; 0 = no limit (or exempt). */
	userLimit: number;
	/** Most units of `kind` the server may take that day; 0 = no limit. */
	guildLimit: number;
}

/** The counts after the call: unchanged when refused, one higher each when taken. */
export type UsageTakeResult =
	| { taken: true; user: number; guild: number }
	| { taken: false; full: 'user' | 'guild'; user: number; guild: number };

export interface TopEntry {
	userId: string;
	name: string;
	count: number;
}

export interface GuildDayUsage {
	generations: number;
	talks: number;
	blocked: number;
	/** Most active first (ties by user id), at most `topN` per kind. */
	top: Record<UsageKind, TopEntry[]>;
}

export interface UsageCounterStore {
	take(request: UsageTake): Promise<UsageTakeResult>;
	addBlocked(day: string, guildId: string): Promise<void>;
	read(day: string, guildId: string, topN: number): Promise<GuildDayUsage>;
	/** Resolves once every count taken so far has reached the store (before closing it). */
	settled(): Promise<void>;
}

/** Counters expire an hour after their day, leaving slack for clocks that disagree a little. */
export function expiryOfDay(day: string): number {
	return Date.parse(`${day}T00:00:00Z`) + 25 * 3_600_000;
}

/** Most active first, then by user id, so every backend lists ties the same way. */
export function rankTop(entries: TopEntry[], topN: number): TopEntry[] {
	return entries
		.sort((a, b) => b.count - a.count || compareIds(a.userId, b.userId))
		.slice(0, topN);
}

/** Which entries to drop to stay at `cap`: the lowest counts, ties by smallest id (as Redis ranks them). */
export function overflow(entries: Array<[string, number]>, cap: number): string[] {
	if (entries.length <= cap) return [];
	return entries
		.sort(([idA, a], [idB, b]) => a - b || compareIds(idA, idB))
		.slice(0, entries.length - cap)
		.map(([id]) => id);
}

function compareIds(a: string, b: string): number {
	return a < b ? -1 : a > b ? 1 : 0;
}
