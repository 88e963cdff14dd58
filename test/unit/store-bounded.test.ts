import { describe, expect, it } from 'vitest';
import { runBounded } from '../../src/store/bounded.js';
import { RosterFullError, StoreUnavailableError } from '../../src/store/errors.js';

const never = (): Promise<never> => new Promise(() => undefined);

describe('runBounded', () => {
	it('turns a call that never answers into StoreUnavailableError at the deadline', async () => {
		const started = Date.now();
		const error = await runBounded('characters.get', 50, never).catch((caught: unknown) => caught);
		expect(error).toBeInstanceOf(StoreUnavailableError);
		expect(error).toMatchObject({ operation: 'characters.get' });
		expect(Date.now() - started).toBeLessThan(1000);
	});

	it('wraps adapter failures, keeping the cause for logs', async () => {
		const cause = new Error('ECONNRESET');
		const error = await runBounded('settings.set', 1000, () => Promise.reject(cause)).catch((caught: unknown) => caught);
		expect(error).toBeInstanceOf(StoreUnavailableError);
		expect((error as StoreUnavailableError).cause).toBe(cause);
	});

	it('lets store rules through unchanged', async () => {
		await expect(runBounded('characters.save', 1000, () => Promise.reject(new RosterFullError(3)))).rejects.toBeInstanceOf(
			RosterFullError,
		);
	});

	it('aborts the signal at the deadline so multi-step writes can stop', async () => {
		let signal: AbortSignal | undefined;
		await runBounded('characters.save', 20, (given) => {
			signal = given;
			return never();
		}).catch(() => undefined);
		expect(signal?.aborted).toBe(true);
	});
});
