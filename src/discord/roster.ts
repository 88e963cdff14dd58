import { UserFacingError } from '../interactions/errors.js';
import type { CharacterScope, CharacterStore, CharacterSummary, SavedCharacter } from '../store/index.js';
import { PAGE_SIZE, type ListPage } from './character-views.js';

/**
 * What one person can see of a server's characters: its public roster plus their own private list.
 * Every read of both lists runs them in parallel, so a command waits for at most one store timeout.
 */

/** The store reads the whole roster index in one call anyway; this asks for all of it. */
const EVERYTHING = { page: 1, pageSize: Number.MAX_SAFE_INTEGER };
const AUTOCOMPLETE_LIMIT = 25;
/** Character ids: base-36 milliseconds (9) plus 10 hex digits. Autocomplete sends these as values. */
const ID_PATTERN = /^[0-9a-z]{19}$/;
/** How many full records an export reads at once. */
const EXPORT_BATCH = 25;

export interface Viewer {
	guildId: string;
	/** Whose private list to include; undefined for views others may see too. */
	userId: string | undefined;
}

export interface FoundCharacter {
	character: SavedCharacter;
	scope: CharacterScope;
	/** Characters the typed name matched (1 for an id from autocomplete). */
	matches: number;
}

function scopesOf({ guildId, userId }: Viewer): CharacterScope[] {
	return userId === undefined ? [{ guildId }] : [{ guildId }, { guildId, ownerId: userId }];
}

/**
 * Newest first; equal timestamps keep the store's order (sort is stable, and the store's index lists
 * same-millisecond saves newest first). Breaking ties any other way (by id) would let a page cut
 * from the store's first N entries disagree with the next page at a tie, showing one character twice.
 */
function newestFirst<T extends { createdAt: number }>(a: T, b: T): number {
	return b.createdAt - a.createdAt;
}

/** One page of the merged list, newest first; a page past the end shows the last one. */
export async function listPage(store: CharacterStore, viewer: Viewer, requestedPage: number): Promise<ListPage> {
	const wanted = Math.max(1, Math.floor(requestedPage));
	// Enough of each list to fill the wanted page after merging; a shorter list comes back whole.
	const request = { page: 1, pageSize: wanted * PAGE_SIZE };
	const pages = await Promise.all(scopesOf(viewer).map((scope) => store.list(scope, request)));
	const total = pages.reduce((sum, page) => sum + page.total, 0);
	const pageCount = Math.max(1, Math.ceil(total / PAGE_SIZE));
	const page = Math.min(wanted, pageCount);
	const merged = pages.flatMap((part) => part.items).sort(newestFirst);
	return {
		items: merged.slice((page - 1) * PAGE_SIZE, page * PAGE_SIZE),
		page,
		pageCount,
		total,
		includesPrivate: (pages[1]?.total ?? 0) > 0,
	};
}

export async function searchNames(store: CharacterStore, viewer: Viewer, prefix: string): Promise<CharacterSummary[]> {
	const found = await Promise.all(scopesOf(viewer).map((scope) => store.searchNames(scope, prefix.trim(), AUTOCOMPLETE_LIMIT)));
	return found.flat().sort(newestFirst).slice(0, AUTOCOMPLETE_LIMIT);
}

/**
 * The character an option names: an id picked from autocomplete, else a typed name (ignoring case),
 * newest first when several share it. Throws a UserFacingError when nothing matches.
 */
export async function findCharacter(store: CharacterStore, viewer: Viewer, input: string): Promise<FoundCharacter> {
	const wanted = input.trim();
	const scopes = scopesOf(viewer);
	const byId = ID_PATTERN.test(wanted) ? scopes.map((scope) => store.get(scope, wanted)) : [];
	const byName = scopes.map((scope) => store.findByName(scope, wanted));
	const [ids, names] = await Promise.all([Promise.all(byId), Promise.all(byName)]);
	const pickedAt = ids.findIndex((character) => character !== undefined);
	if (pickedAt !== -1) return { character: ids[pickedAt]!, scope: scopes[pickedAt]!, matches: 1 };
	const matches = names.flatMap((list, index) => list.map((character) => ({ character, scope: scopes[index]! })));
	matches.sort((a, b) => newestFirst(a.character, b.character));
	const newest = matches[0];
	if (!newest) {
		throw new UserFacingError('characters.notFound', { name: wanted });
	}
	return { ...newest, matches: matches.length };
}

/** Every character the viewer can see, full records, newest first. */
export async function loadAll(store: CharacterStore, viewer: Viewer): Promise<SavedCharacter[]> {
	const scopes = scopesOf(viewer);
	const lists = await Promise.all(scopes.map((scope) => store.list(scope, EVERYTHING)));
	const wanted = lists.flatMap((list, index) => list.items.map((item) => ({ item, scope: scopes[index]! })));
	const records: SavedCharacter[] = [];
	for (let start = 0; start < wanted.length; start += EXPORT_BATCH) {
		const batch = wanted.slice(start, start + EXPORT_BATCH);
		const loaded = await Promise.all(batch.map(({ item, scope }) => store.get(scope, item.id)));
		// A character deleted while we read is simply left out.
		records.push(...loaded.filter((record) => record !== undefined));
	}
	return records.sort(newestFirst);
}
