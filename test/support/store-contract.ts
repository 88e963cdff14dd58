import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { type NewCharacter, RosterFullError, type Stores, type StoreOptions } from '../../src/store/index.js';

/** One backing store under test, made fresh for every test so tests cannot see each other's data. */
export interface StoreContractTarget {
	/** Opens stores on the backing store; called again after close() by the persistence test. */
	open(options: StoreOptions): Stores;
	/** Whether data written before close() must be there after open() (false for memory://). */
	persistent: boolean;
	/** Removes what the test wrote (a shared Redis) or its temp files. */
	cleanup?(): Promise<void>;
}

const GUILD = 'guild-1';
const AUTHOR = 'user-author';
const OTHER_USER = 'user-other';

function character(name: string, overrides: Partial<NewCharacter> = {}): NewCharacter {
	return {
		guildId: GUILD,
		name,
		description: `A character called ${name}`,
		text: `${name} was born on a stormy night.\n\nThe rest is history.`,
		authorId: AUTHOR,
		authorName: 'Author',
		messageUrl: `https://discord.com/channels/${GUILD}/2/3`,
		private: false,
		...overrides,
	};
}

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * For a contract suite: a fresh target per test, and `open` for stores that are closed after it, with
 * the backend's adapter errors collected (a healthy backend has none, so any fails the test).
 */
export function useContractTarget<Target extends StoreContractTarget>(makeTarget: () => Target) {
	let target: Target;
	let opened: Stores[] = [];
	let adapterErrors: unknown[] = [];
	beforeEach(() => {
		target = makeTarget();
		opened = [];
		adapterErrors = [];
	});
	afterEach(async () => {
		await Promise.all(opened.map((stores) => stores.close()));
		await target.cleanup?.();
		expect(adapterErrors).toEqual([]);
	});
	return {
		target: () => target,
		open(options: Omit<StoreOptions, 'onError'> = {}): Stores {
			const stores = target.open({ onError: (error) => adapterErrors.push(error), ...options });
			opened.push(stores);
			return stores;
		},
	};
}

/** Registers the behaviour every CharacterStore / SettingsStore / CooldownStore backend must have. */
export function describeStoreContract(name: string, makeTarget: () => StoreContractTarget): void {
	describe(`store contract: ${name}`, () => {
		const { open, target } = useContractTarget(makeTarget);

		it('saves a character and reads it back with an id, a timestamp and schema version 1', async () => {
			const { characters } = open();
			const before = Date.now();
			const saved = await characters.save(character('Aria'));
			expect(saved).toMatchObject({ ...character('Aria'), version: 1 });
			expect(saved.id).toMatch(/^[0-9a-z]{19}$/);
			expect(saved.createdAt).toBeGreaterThanOrEqual(before);
			expect(await characters.get({ guildId: GUILD }, saved.id)).toEqual(saved);
			expect(await characters.get({ guildId: GUILD }, 'no-such-id')).toBeUndefined();
			expect(await characters.count({ guildId: GUILD })).toBe(1);
		});

		it('lists newest first, page by page', async () => {
			const { characters } = open();
			for (const name of ['A', 'B', 'C', 'D', 'E']) {
				await characters.save(character(name));
			}
			const names = async (page: number): Promise<string[]> =>
				(await characters.list({ guildId: GUILD }, { page, pageSize: 2 })).items.map((item) => item.name);
			expect(await names(1)).toEqual(['E', 'D']);
			expect(await names(2)).toEqual(['C', 'B']);
			expect(await names(3)).toEqual(['A']);
			expect(await names(4)).toEqual([]);
			expect((await characters.list({ guildId: GUILD }, { page: 1, pageSize: 2 })).total).toBe(5);
		});

		it('keeps characters that share a name, and finds them ignoring case', async () => {
			const { characters } = open();
			const first = await characters.save(character('Aria'));
			const second = await characters.save(character('ARIA', { text: 'Another Aria entirely.' }));
			await characters.save(character('Arian'));
			const found = await characters.findByName({ guildId: GUILD }, ' aria ');
			expect(found.map((item) => item.id)).toEqual([second.id, first.id]);
			expect(found[0]?.text).toBe('Another Aria entirely.');
			expect(await characters.findByName({ guildId: GUILD }, 'Ari')).toEqual([]);
		});

		it('suggests names by prefix for autocomplete, newest first and limited', async () => {
			const { characters } = open();
			for (const name of ['Aria', 'Bob', 'arwen', 'Aragorn']) {
				await characters.save(character(name));
			}
			const suggest = async (prefix: string, limit?: number): Promise<string[]> =>
				(await characters.searchNames({ guildId: GUILD }, prefix, limit)).map((item) => item.name);
			expect(await suggest('ar')).toEqual(['Aragorn', 'arwen', 'Aria']);
			expect(await suggest('AR', 2)).toEqual(['Aragorn', 'arwen']);
			expect(await suggest('')).toEqual(['Aragorn', 'arwen', 'Bob', 'Aria']);
			expect(await suggest('z')).toEqual([]);
		});

		it('deletes a character from its own scope only', async () => {
			const { characters } = open();
			const kept = await characters.save(character('Kept'));
			const doomed = await characters.save(character('Doomed'));
			expect(await characters.delete({ guildId: 'another-guild' }, doomed.id)).toBe(false);
			expect(await characters.delete({ guildId: GUILD, ownerId: AUTHOR }, doomed.id)).toBe(false);
			expect(await characters.delete({ guildId: GUILD }, doomed.id)).toBe(true);
			expect(await characters.delete({ guildId: GUILD }, doomed.id)).toBe(false);
			expect(await characters.get({ guildId: GUILD }, doomed.id)).toBeUndefined();
			const page = await characters.list({ guildId: GUILD }, { page: 1, pageSize: 10 });
			expect(page).toEqual({ items: [expect.objectContaining({ id: kept.id })], total: 1 });
		});

		it('keeps private characters out of the server roster and away from other users', async () => {
			const { characters } = open();
			const secret = await characters.save(character('Secret', { private: true }));
			const inDm = await characters.save(character('Pen pal', { private: true, guildId: null }));
			const server = { guildId: GUILD };
			const mine = { guildId: GUILD, ownerId: AUTHOR };
			const theirs = { guildId: GUILD, ownerId: OTHER_USER };

			expect(await characters.list(server, { page: 1, pageSize: 10 })).toEqual({ items: [], total: 0 });
			expect(await characters.get(server, secret.id)).toBeUndefined();
			expect(await characters.findByName(server, 'secret')).toEqual([]);
			expect(await characters.searchNames(server, 'se')).toEqual([]);
			expect(await characters.get(theirs, secret.id)).toBeUndefined();
			expect(await characters.count(theirs)).toBe(0);

			expect(await characters.get(mine, secret.id)).toEqual(secret);
			expect((await characters.list(mine, { page: 1, pageSize: 10 })).items.map((item) => item.id)).toEqual([secret.id]);
			expect(await characters.get({ guildId: null, ownerId: AUTHOR }, inDm.id)).toEqual(inDm);
			expect(await characters.get(mine, inDm.id)).toBeUndefined();
		});

		it('refuses public characters without a server (DM backstories must be private)', async () => {
			const { characters } = open();
			await expect(characters.save(character('Nowhere', { guildId: null }))).rejects.toThrow(TypeError);
		});

		it('throws RosterFullError at the cap, per roster', async () => {
			const { characters } = open({ rosterCap: 2 });
			await characters.save(character('One'));
			await characters.save(character('Two'));
			const error = await characters.save(character('Three')).catch((caught: unknown) => caught);
			expect(error).toBeInstanceOf(RosterFullError);
			expect(error).toMatchObject({ cap: 2 });
			expect(await characters.count({ guildId: GUILD })).toBe(2);
			// The author's private list is a separate roster with its own room.
			await expect(characters.save(character('Mine', { private: true }))).resolves.toMatchObject({ private: true });
		});

		it('keeps every save when many run at once in one process', async () => {
			const { characters } = open();
			const names = Array.from({ length: 12 }, (_, i) => `Crowd ${i}`);
			await Promise.all(names.map((each) => characters.save(character(each))));
			const page = await characters.list({ guildId: GUILD }, { page: 1, pageSize: 50 });
			expect(page.total).toBe(names.length);
			expect(page.items.map((item) => item.name).sort()).toEqual([...names].sort());
		});

		it('sets, reads and clears the world setting per server', async () => {
			const { settings } = open();
			expect(await settings.get(GUILD)).toBeUndefined();
			const written = await settings.set(GUILD, 'A drowned archipelago ruled by lighthouse keepers.', AUTHOR);
			expect(written).toMatchObject({ text: 'A drowned archipelago ruled by lighthouse keepers.', updatedBy: AUTHOR });
			expect(await settings.get(GUILD)).toEqual(written);
			expect(await settings.get('another-guild')).toBeUndefined();
			await settings.clear(GUILD);
			expect(await settings.get(GUILD)).toBeUndefined();
			await expect(settings.clear(GUILD)).resolves.toBeUndefined();
		});

		it('pins, reads and unpins the server language apart from the world setting', async () => {
			const { settings } = open();
			expect(await settings.getLanguage(GUILD)).toBeUndefined();
			await settings.set(GUILD, 'Steam and brass.', AUTHOR);
			await settings.setLanguage(GUILD, 'pt-BR');
			expect(await settings.getLanguage(GUILD)).toBe('pt-BR');
			expect(await settings.getLanguage('another-guild')).toBeUndefined();
			await settings.clear(GUILD);
			expect(await settings.getLanguage(GUILD)).toBe('pt-BR');
			await settings.setLanguage(GUILD, undefined);
			expect(await settings.getLanguage(GUILD)).toBeUndefined();
			expect((await settings.get(GUILD))).toBeUndefined();
		});

		it('expires cooldowns by themselves', async () => {
			const { cooldowns } = open();
			const until = Date.now() + 200;
			await cooldowns.set(AUTHOR, until);
			expect(await cooldowns.get(AUTHOR)).toBe(until);
			expect(await cooldowns.get(OTHER_USER)).toBeUndefined();
			await sleep(350);
			expect(await cooldowns.get(AUTHOR)).toBeUndefined();
			await cooldowns.set(AUTHOR, Date.now() - 1000);
			expect(await cooldowns.get(AUTHOR)).toBeUndefined();
		});

		it('keeps the prompt of a run for its Regenerate button', async () => {
			const { prompts } = open();
			await prompts.set('run-1', { characterName: 'Mindy', description: 'Lawyer. Stubborn.' });
			expect(await prompts.get('run-1')).toEqual({ characterName: 'Mindy', description: 'Lawyer. Stubborn.' });
			expect(await prompts.get('run-2')).toBeUndefined();
		});

		it('can be closed twice', async () => {
			const stores = open();
			await stores.characters.count({ guildId: GUILD });
			await stores.close();
			await expect(stores.close()).resolves.toBeUndefined();
		});

		it('keeps data across a close and re-open when the backend persists', async (context) => {
			if (!target().persistent) {
				context.skip();
			}
			const first = open();
			const saved = await first.characters.save(character('Survivor'));
			const secret = await first.characters.save(character('Hidden', { private: true }));
			await first.settings.set(GUILD, 'Steam and brass.', AUTHOR);
			const until = Date.now() + 60_000;
			await first.cooldowns.set(AUTHOR, until);
			await first.prompts.set('run-9', { characterName: 'Survivor', description: 'Lasts.' });
			await first.close();

			const second = open();
			expect(await second.characters.get({ guildId: GUILD }, saved.id)).toEqual(saved);
			expect(await second.characters.get({ guildId: GUILD, ownerId: AUTHOR }, secret.id)).toMatchObject({ version: 1 });
			expect(await second.characters.count({ guildId: GUILD })).toBe(1);
			expect((await second.settings.get(GUILD))?.text).toBe('Steam and brass.');
			expect(await second.cooldowns.get(AUTHOR)).toBe(until);
			expect(await second.prompts.get('run-9')).toEqual({ characterName: 'Survivor', description: 'Lasts.' });
		});
	});
}
