/**
 * What the bot stores and the small interfaces commands use. Implementations live next to this file
 * (keyv-backed); tests can swap in any object with the same shape.
 */

/** Bumped when a stored shape changes, so old rows can be recognised and migrated, not misread. */
export const SCHEMA_VERSION = 1;

/** A character as stored: the full backstory plus where and by whom it was written. */
export interface SavedCharacter {
	version: typeof SCHEMA_VERSION;
	id: string;
	/** null when the backstory was written in a DM (user-installed app), which has no server roster. */
	guildId: string | null;
	name: string;
	/** What the author asked for (the prompt), not the generated text. */
	description: string;
	/** The full generated backstory. */
	text: string;
	authorId: string;
	authorName: string;
	/** Milliseconds since the epoch. */
	createdAt: number;
	/** Link to the Discord message that shows the backstory; null for ephemeral replies. */
	messageUrl: string | null;
	/** Private characters live in the author's own list, never in the server roster. */
	private: boolean;
}

/** What a command hands to `save`; the store adds the id, timestamp and schema version. */
export type NewCharacter = Omit<SavedCharacter, 'version' | 'id' | 'createdAt'>;

/** The few fields lists and autocomplete need, kept in the roster index so they cost one read. */
export type CharacterSummary = Pick<
	SavedCharacter,
	'id' | 'name' | 'authorId' | 'authorName' | 'createdAt' | 'messageUrl' | 'private'
>;

/**
 * Which list a call reads or writes: `{ guildId }` is a server's public roster; `{ guildId, ownerId }`
 * is one person's private list in that server (guildId null: their list in DMs).
 */
export type CharacterScope = { guildId: string; ownerId?: undefined } | { guildId: string | null; ownerId: string };

export interface PageRequest {
	/** 1-based. */
	page: number;
	pageSize: number;
}

export interface CharacterPage {
	items: CharacterSummary[];
	/** Characters in the whole scope, for "page 2 of 7". */
	total: number;
}

export interface CharacterStore {
	/** Throws RosterFullError when the target roster is at its cap. */
	save(character: NewCharacter): Promise<SavedCharacter>;
	/** Newest first. */
	list(scope: CharacterScope, page: PageRequest): Promise<CharacterPage>;
	get(scope: CharacterScope, id: string): Promise<SavedCharacter | undefined>;
	/** Every character with this name, ignoring case (names may repeat), newest first. */
	findByName(scope: CharacterScope, name: string): Promise<SavedCharacter[]>;
	/** For autocomplete: names starting with `prefix`, ignoring case, newest first. */
	searchNames(scope: CharacterScope, prefix: string, limit?: number): Promise<CharacterSummary[]>;
	/** Returns false when there was no such character in this scope. */
	delete(scope: CharacterScope, id: string): Promise<boolean>;
	count(scope: CharacterScope): Promise<number>;
}

export interface WorldSetting {
	text: string;
	/** User id of whoever set it. */
	updatedBy: string;
	updatedAt: number;
}

/** One world setting per server, added to every backstory prompt there. */
export interface SettingsStore {
	get(guildId: string): Promise<WorldSetting | undefined>;
	set(guildId: string, text: string, updatedBy: string): Promise<WorldSetting>;
	clear(guildId: string): Promise<void>;
	/** The language pinned with `/setting language` for public notices (a catalogue language id), if any. */
	getLanguage(guildId: string): Promise<string | undefined>;
	/** Pins a language; undefined unpins (notices follow the server's Discord language again). */
	setLanguage(guildId: string, language: string | undefined): Promise<void>;
}

/** Per-user cooldowns; entries expire by themselves (storage TTL). */
export interface CooldownStore {
	/** When the user's cooldown ends (ms since epoch), or undefined if none is running. */
	get(userId: string): Promise<number | undefined>;
	set(userId: string, untilMs: number): Promise<void>;
}

/** The inputs of one generation, kept for its Regenerate button. */
export interface SavedPrompt {
	characterName: string;
	description: string;
}

export interface PromptStore {
	get(runId: string): Promise<SavedPrompt | undefined>;
	set(runId: string, prompt: SavedPrompt): Promise<void>;
}
