import { mkdtempSync, rmSync } from 'node:fs';
import { randomUUID } from 'node:crypto';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { createKeyvFromUrl, createStores, StoreUnavailableError, storeNamespaces } from '../../src/store/index.js';
import { describeCounterContract } from '../support/counter-contract.js';

describeCounterContract('memory://', () => ({
	open: (options) => createStores('memory://', options),
	persistent: false,
	shared: false,
}));

describeCounterContract('sqlite:// (temp file)', () => {
	const dir = mkdtempSync(join(tmpdir(), 'backstory-counters-'));
	const url = `sqlite://${join(dir, 'backstory.sqlite')}`;
	return {
		open: (options) => createStores(url, options),
		persistent: true,
		// One bot process opens one store; today's counts are kept in it (several processes need Redis).
		shared: false,
		cleanup: async () => rmSync(dir, { recursive: true, force: true }),
	};
});

const redisUrl = process.env.REDIS_URL;
if (redisUrl) {
	describeCounterContract(`redis (${redisUrl})`, () => {
		const namespacePrefix = `backstory-test-${randomUUID()}`;
		return {
			open: (options) => createStores(redisUrl, { ...options, namespacePrefix }),
			persistent: true,
			shared: true,
			cleanup: async () => {
				// The counters use the adapter's own key prefix, so clearing the namespace removes them.
				const keyv = createKeyvFromUrl(redisUrl, { namespace: storeNamespaces(namespacePrefix).usage, onError: () => undefined });
				await keyv.clear();
				await keyv.disconnect();
			},
		};
	});
} else {
	describe.skip('usage counter contract: redis (set REDIS_URL=redis://127.0.0.1:6379 to run)', () => {
		it('runs the contract against Redis', () => undefined);
	});
}

describe('usage counters during a store outage', () => {
	it('fail with StoreUnavailableError within the bound, so callers can fail open', async () => {
		const stores = createStores('redis://127.0.0.1:1', { onError: () => undefined, timeoutMs: 800 });
		try {
			const started = Date.now();
			const day = new Date().toISOString().slice(0, 10);
			const take = { day, kind: 'generations', userId: 'u', userName: 'U', guildId: 'g', userLimit: 1, guildLimit: 1 } as const;
			await expect(stores.usage.take(take)).rejects.toBeInstanceOf(StoreUnavailableError);
			await expect(stores.usage.read(day, 'g', 10)).rejects.toBeInstanceOf(StoreUnavailableError);
			expect(Date.now() - started).toBeLessThan(2_500);
		} finally {
			await stores.close();
		}
	});
});
