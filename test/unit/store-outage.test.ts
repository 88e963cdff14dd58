import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createStores, type Stores, StoreUnavailableError } from '../../src/store/index.js';

/** "Never hangs": generous next to the 2000 ms operation budget, far below a Discord user's patience. */
const BOUND_MS = 2500;
const GUILD = { guildId: 'guild-1' };

const operations: Array<[string, (stores: Stores) => Promise<unknown>]> = [
	[
		'characters.save',
		({ characters }) =>
			characters.save({
				guildId: 'guild-1',
				name: 'Aria',
				description: 'd',
				text: 't',
				authorId: 'u',
				authorName: 'U',
				messageUrl: null,
				private: false,
			}),
	],
	['characters.list', ({ characters }) => characters.list(GUILD, { page: 1, pageSize: 10 })],
	['characters.get', ({ characters }) => characters.get(GUILD, 'id')],
	['characters.findByName', ({ characters }) => characters.findByName(GUILD, 'Aria')],
	['characters.searchNames', ({ characters }) => characters.searchNames(GUILD, 'A')],
	['characters.delete', ({ characters }) => characters.delete(GUILD, 'id')],
	['characters.count', ({ characters }) => characters.count(GUILD)],
	['settings.get', ({ settings }) => settings.get('guild-1')],
	['settings.set', ({ settings }) => settings.set('guild-1', 'text', 'u')],
	['settings.clear', ({ settings }) => settings.clear('guild-1')],
	['cooldowns.get', ({ cooldowns }) => cooldowns.get('u')],
	['cooldowns.set', ({ cooldowns }) => cooldowns.set('u', Date.now() + 60_000)],
];

async function timedFailure(run: () => Promise<unknown>): Promise<{ error: unknown; elapsedMs: number }> {
	const started = Date.now();
	const error = await run().then(
		() => undefined,
		(caught: unknown) => caught,
	);
	return { error, elapsedMs: Date.now() - started };
}

describe('store outage: Redis on a closed port', () => {
	let stores: Stores;
	const adapterErrors: unknown[] = [];
	const unhandled: unknown[] = [];
	const recordUnhandled = (error: unknown): void => {
		unhandled.push(error);
	};

	beforeAll(() => {
		process.on('unhandledRejection', recordUnhandled);
		process.on('uncaughtException', recordUnhandled);
		// Port 1 is closed on any normal machine: connecting is refused at once, then retried.
		stores = createStores('redis://127.0.0.1:1', { onError: (error) => adapterErrors.push(error) });
	});

	afterAll(async () => {
		const closeStarted = Date.now();
		await stores.close();
		expect(Date.now() - closeStarted).toBeLessThan(BOUND_MS);
		// Give late timers and socket errors a moment to surface before checking nothing escaped.
		await new Promise((resolve) => setTimeout(resolve, 200));
		process.off('unhandledRejection', recordUnhandled);
		process.off('uncaughtException', recordUnhandled);
		expect(unhandled).toEqual([]);
	});

	it.each(operations)('%s rejects with StoreUnavailableError within 2.5 s', async (operation, run) => {
		const { error, elapsedMs } = await timedFailure(() => run(stores));
		expect(error).toBeInstanceOf(StoreUnavailableError);
		expect(error).toMatchObject({ operation });
		expect(elapsedMs).toBeLessThan(BOUND_MS);
	});

	it('fails every operation fast when they all arrive at once', async () => {
		const results = await Promise.all(operations.map(([, run]) => timedFailure(() => run(stores))));
		for (const { error, elapsedMs } of results) {
			expect(error).toBeInstanceOf(StoreUnavailableError);
			expect(elapsedMs).toBeLessThan(BOUND_MS);
		}
	});

	it('reports the connection errors through onError instead of crashing', () => {
		expect(adapterErrors.length).toBeGreaterThan(0);
	});
});
