import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config/config.js';
import { createQuotas, nextUtcMidnight, utcDay } from '../../src/guard/quotas.js';
import { createLogger } from '../../src/ops/log.js';
import { createStores, type UsageCounterStore } from '../../src/store/index.js';

const config = loadConfig({ DISCORD_TOKEN: 'a.b.c', CONVAI_API_KEY: 'k', DAILY_GENERATIONS_PER_USER: '1', DAILY_GENERATIONS_PER_GUILD: '0' });
const ANN = { userId: 'ann', userName: 'Ann', guildId: 'guild-1' };

function quietLog(lines: string[] = []) {
	return createLogger({ level: 'debug', secrets: [], write: (line) => lines.push(line) });
}

describe('daily quotas', () => {
	it('names the UTC day and resets at the next UTC midnight, whatever the local time zone', () => {
		const lateEvening = Date.UTC(2026, 11, 31, 23, 59, 59, 500);
		expect(utcDay(lateEvening)).toBe('2026-12-31');
		expect(nextUtcMidnight(lateEvening)).toBe(Date.UTC(2027, 0, 1));
		expect(nextUtcMidnight(Date.UTC(2027, 0, 1))).toBe(Date.UTC(2027, 0, 2));
	});

	it('refuses with the quota, its limit and the next UTC midnight', async () => {
		const stores = createStores('memory://', { onError: () => undefined });
		const at = Date.UTC(2026, 11, 3, 9, 0);
		const quotas = createQuotas(config, stores.usage, quietLog(), () => at);
		expect(await quotas.take('generation', ANN, { perUser: false })).toEqual({ allowed: true });
		expect(await quotas.take('generation', ANN, { perUser: false })).toEqual({
			allowed: false,
			refusal: { quota: 'user-generations', limit: 1, resetsAt: Date.UTC(2026, 11, 4) },
		});
		expect(await quotas.take('generation', ANN, { perUser: true })).toEqual({ allowed: true });
		await stores.close();
	});

	it('lets the request through within the bound when the store hangs or fails (fails open), and logs it', async () => {
		const lines: string[] = [];
		const hanging: UsageCounterStore = {
			take: () => new Promise(() => undefined),
			addBlocked: () => new Promise(() => undefined),
			read: () => new Promise(() => undefined),
			settled: async () => undefined,
		};
		const started = Date.now();
		expect(await createQuotas(config, hanging, quietLog(lines)).take('generation', ANN, { perUser: false })).toEqual({ allowed: true });
		expect(Date.now() - started).toBeLessThan(1_500);

		const failing: UsageCounterStore = { ...hanging, take: () => Promise.reject(new Error('store down')) };
		expect(await createQuotas(config, failing, quietLog(lines)).take('generation', ANN, { perUser: false })).toEqual({ allowed: true });
		expect(lines.filter((line) => line.includes('could not check the daily quota in time'))).toHaveLength(2);
	});

	it('does not wait for the store when no quota applies, but still counts for /usage', async () => {
		const counted: unknown[] = [];
		const slow: UsageCounterStore = {
			take: (request) => new Promise((resolve) => setTimeout(() => {
				counted.push(request);
				resolve({ taken: true, user: 1, guild: 1 });
			}, 2_000)),
			addBlocked: async () => undefined,
			read: () => Promise.reject(new Error('unused')),
			settled: async () => undefined,
		};
		const started = Date.now();
		expect(await createQuotas(config, slow, quietLog()).take('talk', ANN, { perUser: true })).toEqual({ allowed: true });
		expect(Date.now() - started).toBeLessThan(100);
		await new Promise((resolve) => setTimeout(resolve, 2_100));
		expect(counted).toMatchObject([{ kind: 'talks', userId: 'ann', userLimit: 0, guildLimit: 0 }]);
	});
});
