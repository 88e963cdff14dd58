import { randomBytes } from 'node:crypto';
import type Keyv from 'keyv';
import { runBounded } from './bounded.js';
import { RosterFullError } from './errors.js';
import { type AtomicValues, atomicValues } from './atomic.js';
import {
	type CharacterPage,
	type CharacterScope,
	type CharacterStore,
	type CharacterSummary,
	type NewCharacter,
	type PageRequest,
	SCHEMA_VERSION,
	type SavedCharacter,
} from './types.js';

export interface CharacterStoreOptions {
	/** Total time for one call, all keyv round trips included. */
	timeoutMs: number;
	/** Most characters one roster may hold (a server's public roster, or one person's private list). */
	rosterCap: number;
}

/** One per roster, newest first. Lists and autocomplete read only this, never the full records. */
interface RosterIndex {
	version: typeof SCHEMA_VERSION;
	items: CharacterSummary[];
}

const AUTOCOMPLETE_LIMIT = 25;

/**
 * Characters in keyv without ever iterating keys (keyv 5's iterator() is unreliable across adapters,
 * keyv #1431/#1391): each roster keeps an index record of summaries, and each character has its own
 * key holding the full record.
 *
 * Index writes are atomic (AtomicValues: a compare-and-set in Redis, one operation at a time per key
 * in this process for SQLite and memory), so two processes saving to one roster at once never lose
 * an entry.
 */
export class KeyvCharacterStore implements CharacterStore {
	private readonly atomic: AtomicValues;

	public constructor(
		private readonly keyv: Keyv,
		private readonly options: CharacterStoreOptions,
	) {
		this.atomic = atomicValues(keyv);
	}

	public async save(character: NewCharacter): Promise<SavedCharacter> {
		// Outside runBounded so a programming error is not reported as "store unavailable".
		const scope = rosterFor(character);
		return runBounded('characters.save', this.options.timeoutMs, async (signal) => {
			const cap = this.options.rosterCap;
			// No early read of the index: the atomic update below checks the cap, and under a burst every
			// extra round trip waits its turn. A full roster costs one record written and deleted.
			// The caller's fields first, so a stray id or createdAt in the input cannot override ours.
			const saved: SavedCharacter = { ...character, version: SCHEMA_VERSION, id: newCharacterId(), createdAt: Date.now() };
			// Record first, index second: if we stop in between, the leftover is an unlisted record,
			// never a listed character whose record is missing.
			signal.throwIfAborted();
			await this.keyv.set(recordKey(scope, saved.id), saved);
			try {
				await this.atomic.update<RosterIndex>(
					indexKey(scope),
					(stored) => {
						const items = stored === undefined ? [] : checkVersion(stored, indexKey(scope)).items;
						if (items.length >= cap) throw new RosterFullError(cap);
						return { version: SCHEMA_VERSION, items: insertNewestFirst(items, summarize(saved)) };
					},
					signal,
				);
			} catch (error) {
				// Filled up by someone else meanwhile: the record we just wrote is not listed, drop it.
				if (error instanceof RosterFullError) await this.keyv.delete(recordKey(scope, saved.id));
				throw error;
			}
			return saved;
		});
	}

	public async list(scope: CharacterScope, { page, pageSize }: PageRequest): Promise<CharacterPage> {
		return runBounded('characters.list', this.options.timeoutMs, async () => {
			const { items } = await this.readIndex(scope);
			const size = Math.max(1, Math.floor(pageSize));
			const start = (Math.max(1, Math.floor(page)) - 1) * size;
			return { items: items.slice(start, start + size), total: items.length };
		});
	}

	public async get(scope: CharacterScope, id: string): Promise<SavedCharacter | undefined> {
		return runBounded('characters.get', this.options.timeoutMs, () => this.readRecord(scope, id));
	}

	public async findByName(scope: CharacterScope, name: string): Promise<SavedCharacter[]> {
		return runBounded('characters.findByName', this.options.timeoutMs, async () => {
			const wanted = foldName(name);
			const { items } = await this.readIndex(scope);
			const matches = items.filter((item) => foldName(item.name) === wanted);
			// Plain get() per id rather than keyv.getMany(): for Map-like stores getMany turns
			// failures into undefined (Promise.allSettled), and we want failures to surface.
			const records = await Promise.all(matches.map((item) => this.readRecord(scope, item.id)));
			return records.filter((record) => record !== undefined);
		});
	}

	public async searchNames(scope: CharacterScope, prefix: string, limit = AUTOCOMPLETE_LIMIT): Promise<CharacterSummary[]> {
		return runBounded('characters.searchNames', this.options.timeoutMs, async () => {
			const wanted = foldName(prefix);
			const { items } = await this.readIndex(scope);
			return items.filter((item) => foldName(item.name).startsWith(wanted)).slice(0, Math.max(0, limit));
		});
	}

	public async delete(scope: CharacterScope, id: string): Promise<boolean> {
		return runBounded('characters.delete', this.options.timeoutMs, async (signal) => {
			const written = await this.atomic.update<RosterIndex>(
				indexKey(scope),
				(stored) => {
					const items = stored === undefined ? [] : checkVersion(stored, indexKey(scope)).items;
					const remaining = items.filter((item) => item.id !== id);
					return remaining.length === items.length ? undefined : { version: SCHEMA_VERSION, items: remaining };
				},
				signal,
			);
			if (written === undefined) return false;
			// Index first, record second: a half-done delete leaves an unlisted record, which is harmless.
			signal.throwIfAborted();
			await this.keyv.delete(recordKey(scope, id));
			return true;
		});
	}

	public async count(scope: CharacterScope): Promise<number> {
		return runBounded('characters.count', this.options.timeoutMs, async () => (await this.readIndex(scope)).items.length);
	}

	private async readIndex(scope: CharacterScope): Promise<RosterIndex> {
		const stored = await this.keyv.get<RosterIndex>(indexKey(scope));
		if (stored === undefined) {
			return { version: SCHEMA_VERSION, items: [] };
		}
		return checkVersion(stored, indexKey(scope));
	}

	private async readRecord(scope: CharacterScope, id: string): Promise<SavedCharacter | undefined> {
		const stored = await this.keyv.get<SavedCharacter>(recordKey(scope, id));
		return stored === undefined ? undefined : checkVersion(stored, recordKey(scope, id));
	}
}

/**
 * Keeps the index newest first. Saves that raced may reach the index in another order than their
 * timestamps (a retried compare-and-set, a slower process), so place by createdAt rather
 * than always in front.
 */
function insertNewestFirst(items: CharacterSummary[], added: CharacterSummary): CharacterSummary[] {
	const at = items.findIndex((item) => item.createdAt <= added.createdAt);
	return at === -1 ? [...items, added] : [...items.slice(0, at), added, ...items.slice(at)];
}

/** Private characters go to the author's own list; public ones to the server roster. */
function rosterFor(character: NewCharacter): CharacterScope {
	if (character.private) {
		return { guildId: character.guildId, ownerId: character.authorId };
	}
	if (character.guildId === null) {
		throw new TypeError('A public character needs a guildId: characters written in DMs must be private.');
	}
	return { guildId: character.guildId };
}

/**
 * Keys are derived from the scope, so a lookup in one scope can never return another scope's
 * character: that is what keeps private characters private.
 */
function rosterKey(scope: CharacterScope): string {
	const guild = scope.guildId ?? 'dm';
	return scope.ownerId === undefined ? `guild:${guild}` : `guild:${guild}:owner:${scope.ownerId}`;
}

function indexKey(scope: CharacterScope): string {
	return `${rosterKey(scope)}:index`;
}

function recordKey(scope: CharacterScope, id: string): string {
	return `${rosterKey(scope)}:character:${id}`;
}

function summarize(character: SavedCharacter): CharacterSummary {
	const { id, name, authorId, authorName, createdAt, messageUrl } = character;
	return { id, name, authorId, authorName, createdAt, messageUrl, private: character.private };
}

/** Time-sortable (base-36 milliseconds) plus 40 random bits, so ids never collide between processes. */
function newCharacterId(): string {
	return Date.now().toString(36).padStart(9, '0') + randomBytes(5).toString('hex');
}

/** Case-insensitive comparison key; toLowerCase, not toLocaleLowerCase, so it does not depend on the host locale. */
function foldName(name: string): string {
	return name.normalize('NFKC').trim().toLowerCase();
}

/** Data written by a newer (or broken) version must not be misread as ours. */
function checkVersion<T extends { version: unknown }>(stored: T, key: string): T {
	if (stored.version !== SCHEMA_VERSION) {
		throw new Error(`Stored value ${key} has schema version ${String(stored.version)}; this bot reads version ${SCHEMA_VERSION}.`);
	}
	return stored;
}
