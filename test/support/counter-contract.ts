import { describe, expect, it } from 'vitest';
import { TOP_LIST_CAP, type UsageCounterStore, type UsageTake } from '../../src/store/index.js';
import { useContractTarget, type StoreContractTarget } from './store-contract.js';

export interface CounterContractTarget extends StoreContractTarget {
	/** Whether two stores opened on it share their counters (a file or a server; not memory://). */
	shared: boolean;
}

const GUILD = 'guild-1';
/** Today, as the quota service names it; tests never cross a real midnight (they pass days explicitly). */
const DAY = new Date().toISOString().slice(0, 10);
const NEXT_DAY = new Date(Date.now() + 86_400_000).toISOString().slice(0, 10);

function take(overrides: Partial<UsageTake> = {}): UsageTake {
	return { day: DAY, kind: 'generations', userId: 'user-1', userName: 'User One', guildId: GUILD, userLimit: 0, guildLimit: 0, ...overrides };
}

/** The behaviour every UsageCounterStore backend must have: atomic, per day, bounded. */
export function describeCounterContract(name: string, makeTarget: () => CounterContractTarget): void {
	describe(`usage counter contract: ${name}`, () => {
		const contract = useContractTarget(makeTarget);
		const target = contract.target;
		const open = (): UsageCounterStore => contract.open().usage;

		it('counts for the user and the server, and refuses at the user limit without counting', async () => {
			const usage = open();
			expect(await usage.take(take({ userLimit: 2 }))).toEqual({ taken: true, user: 1, guild: 1 });
			expect(await usage.take(take({ userLimit: 2 }))).toEqual({ taken: true, user: 2, guild: 2 });
			expect(await usage.take(take({ userLimit: 2 }))).toEqual({ taken: false, full: 'user', user: 2, guild: 2 });
			// Someone else still can, and the refusal did not count.
			expect(await usage.take(take({ userId: 'user-2', userLimit: 2 }))).toEqual({ taken: true, user: 1, guild: 3 });
			expect((await usage.read(DAY, GUILD, 10)).generations).toBe(3);
		});

		it('refuses at the server limit, also when the user has no limit of their own (exempt)', async () => {
			const usage = open();
			await usage.take(take({ guildLimit: 2 }));
			await usage.take(take({ userId: 'user-2', guildLimit: 2 }));
			expect(await usage.take(take({ userId: 'user-3', userLimit: 0, guildLimit: 2 }))).toEqual({ taken: false, full: 'guild', user: 0, guild: 2 });
			// Another server has its own count; the user's count is theirs across servers.
			expect(await usage.take(take({ guildId: 'guild-2', guildLimit: 2 }))).toEqual({ taken: true, user: 2, guild: 1 });
		});

		it('counts generations and talks apart, and outside a server only the user', async () => {
			const usage = open();
			await usage.take(take({ kind: 'talks' }));
			await usage.take(take({ kind: 'talks' }));
			expect(await usage.take(take({ kind: 'generations', userLimit: 1 }))).toMatchObject({ taken: true, user: 1 });
			expect(await usage.take(take({ kind: 'talks', guildId: null, userLimit: 3 }))).toEqual({ taken: true, user: 3, guild: 0 });
			expect(await usage.take(take({ kind: 'talks', guildId: null, userLimit: 3 }))).toMatchObject({ taken: false, full: 'user' });
			expect(await usage.read(DAY, GUILD, 10)).toMatchObject({ generations: 1, talks: 2 });
		});

		it('starts every day from zero', async () => {
			const usage = open();
			await usage.take(take({ userLimit: 1 }));
			expect(await usage.take(take({ userLimit: 1 }))).toMatchObject({ taken: false });
			expect(await usage.take(take({ day: NEXT_DAY, userLimit: 1 }))).toEqual({ taken: true, user: 1, guild: 1 });
			expect((await usage.read(NEXT_DAY, GUILD, 10)).generations).toBe(1);
		});

		it('never takes more than the limit when many arrive at once', async () => {
			const usage = open();
			const results = await Promise.all(
				Array.from({ length: 30 }, (_, i) => usage.take(take({ userId: `crowd-${i}`, guildLimit: 10 }))),
			);
			expect(results.filter((result) => result.taken)).toHaveLength(10);
			expect((await usage.read(DAY, GUILD, 10)).generations).toBe(10);
		});

		it('never takes more than the limit across two stores sharing the backend', async (context) => {
			if (!target().shared) context.skip();
			const [first, second] = [open(), open()];
			const results = await Promise.all(
				Array.from({ length: 30 }, (_, i) => (i % 2 ? first : second).take(take({ userId: `crowd-${i}`, guildLimit: 10 }))),
			);
			expect(results.filter((result) => result.taken)).toHaveLength(10);
			expect((await second.read(DAY, GUILD, 10)).generations).toBe(10);
		});

		it('lists the most active users per kind with their names, and keeps the list bounded', async () => {
			const usage = open();
			for (let i = 0; i < 3; i += 1) await usage.take(take({ userId: 'busy', userName: 'Busy Bee' }));
			await usage.take(take({ userId: 'calm', userName: 'Calm' }));
			await usage.take(take({ userId: 'calm', userName: 'Calm (renamed)' }));
			await usage.take(take({ userId: 'talker', userName: 'Talker', kind: 'talks' }));
			const read = await usage.read(DAY, GUILD, 10);
			expect(read.top.generations).toEqual([
				{ userId: 'busy', name: 'Busy Bee', count: 3 },
				{ userId: 'calm', name: 'Calm (renamed)', count: 2 },
			]);
			expect(read.top.talks).toEqual([{ userId: 'talker', name: 'Talker', count: 1 }]);
			expect((await usage.read(DAY, GUILD, 1)).top.generations).toHaveLength(1);

			// Past the cap, the least active drop off; the leaders stay.
			await Promise.all(Array.from({ length: TOP_LIST_CAP + 20 }, (_, i) => usage.take(take({ userId: `once-${i}`, userName: `Once ${i}` }))));
			const full = await usage.read(DAY, GUILD, 1_000);
			expect(full.top.generations).toHaveLength(TOP_LIST_CAP);
			expect(full.top.generations.slice(0, 2).map((entry) => entry.userId)).toEqual(['busy', 'calm']);
			expect(full.generations).toBe(5 + TOP_LIST_CAP + 20);
		});

		it('counts blocked inputs per server and day', async () => {
			const usage = open();
			await usage.addBlocked(DAY, GUILD);
			await usage.addBlocked(DAY, GUILD);
			await usage.addBlocked(DAY, 'guild-2');
			expect(await usage.read(DAY, GUILD, 10)).toEqual({ generations: 0, talks: 0, blocked: 2, top: { generations: [], talks: [] } });
			expect((await usage.read(NEXT_DAY, GUILD, 10)).blocked).toBe(0);
		});

		it('keeps the counts across a close and re-open when the backend persists', async (context) => {
			if (!target().persistent) context.skip();
			const firstStores = contract.open();
			const first = firstStores.usage;
			await first.take(take({ userLimit: 1 }));
			await first.addBlocked(DAY, GUILD);
			await firstStores.close();
			const second = open();
			expect(await second.take(take({ userLimit: 1 }))).toMatchObject({ taken: false, full: 'user' });
			expect(await second.read(DAY, GUILD, 10)).toMatchObject({ generations: 1, blocked: 1 });
		});
	});
}
