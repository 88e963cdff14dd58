import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomUUID } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { createKeyvFromUrl, createStores, StoreConfigError, storeNamespaces } from '../../src/store/index.js';
import { describeStoreContract } from '../support/store-contract.js';

/** For the config tests, which fail before any adapter exists. */
const ignoreErrors = (): void => undefined;

describeStoreContract('memory://', () => ({
	open: (options) => createStores('memory://', options),
	persistent: false,
}));

describeStoreContract('sqlite:// (temp file)', () => {
	const dir = mkdtempSync(join(tmpdir(), 'backstory-store-'));
	// A folder that does not exist yet, as with data/ in a fresh checkout.
	const url = `sqlite://${join(dir, 'data', 'backstory.sqlite')}`;
	return {
		open: (options) => createStores(url, options),
		persistent: true,
		cleanup: async () => rmSync(dir, { recursive: true, force: true }),
	};
});

const redisUrl = process.env.REDIS_URL;
if (redisUrl) {
	describeStoreContract(`redis (${redisUrl})`, () => {
		// A namespace per test, so parallel runs on one Redis never meet, and cleanup wipes only ours.
		const namespacePrefix = `backstory-test-${randomUUID()}`;
		return {
			open: (options) => createStores(redisUrl, { ...options, namespacePrefix }),
			persistent: true,
			cleanup: async () => {
				for (const namespace of Object.values(storeNamespaces(namespacePrefix))) {
					// Errors still reject clear() (throwOnErrors), which fails the test.
					const keyv = createKeyvFromUrl(redisUrl, { namespace, onError: ignoreErrors });
					await keyv.clear();
					await keyv.disconnect();
				}
			},
		};
	});
} else {
	describe.skip('store contract: redis (set REDIS_URL=redis://127.0.0.1:6379 to run)', () => {
		it('runs the contract against Redis', () => undefined);
	});
}

describe('STORE_URL parsing', () => {
	it.each(['postgres://localhost/db', 'data/backstory.sqlite', '', 'sqlite://'])('rejects %j with a StoreConfigError', (url) => {
		expect(() => createStores(url, { onError: ignoreErrors })).toThrow(StoreConfigError);
	});

	it('names STORE_URL and the accepted schemes, without echoing a password', () => {
		expect(() => createStores('mongodb://admin:hunter2@db/x', { onError: ignoreErrors })).toThrow(
			/STORE_URL must start with sqlite:\/\/, redis:\/\/, rediss:\/\/ or memory:\/\/ \(got "mongodb:\/\/\*\*\*@db\/x"\)/,
		);
	});
});
