import Keyv from 'keyv';
import { describe, expect, it } from 'vitest';
import { atomicValues } from '../../src/store/atomic.js';
import { BatchedUpdates } from '../../src/store/batched-updates.js';

const live = () => new AbortController().signal;
const append = (n: number) => (current: number[] | undefined) => [...(current ?? []), n];

/** A store of plain values that counts its round trips and answers after `delayMs`. */
function countingStore(delayMs = 5) {
	const values = new Map<string, unknown>();
	const counts = { reads: 0, writes: 0 };
	const wait = () => new Promise((resolve) => setTimeout(resolve, delayMs));
	const batches = new BatchedUpdates(async (key, apply) => {
		counts.reads += 1;
		await wait();
		const next = apply(values.get(key) as never);
		if (next === undefined) return;
		counts.writes += 1;
		await wait();
		values.set(key, next);
	});
	return { batches, values, counts };
}

describe('batched updates of one key', () => {
	it('applies 200 updates that arrive together in order with one read and one write, not 200 of each', async () => {
		const { batches, values, counts } = countingStore();
		const results = await Promise.all(Array.from({ length: 200 }, (_, n) => batches.update('roster', append(n), live())));
		expect(values.get('roster')).toEqual([...Array(200).keys()]);
		expect(counts).toEqual({ reads: 1, writes: 1 });
		// Each caller gets the value after its own change.
		expect(results[0]).toEqual([0]);
		expect(results[199]).toEqual([...Array(200).keys()]);
	});

	it('fails only the caller whose change throws; the others in its batch are written', async () => {
		const { batches, values } = countingStore();
		const full = new Error('roster full');
		const outcomes = await Promise.allSettled([
			batches.update('roster', append(1), live()),
			batches.update('roster', append(2), live()),
			batches.update<number[]>('roster', () => {
				throw full;
			}, live()),
			batches.update('roster', append(3), live()),
		]);
		expect(outcomes.map((outcome) => outcome.status)).toEqual(['fulfilled', 'fulfilled', 'rejected', 'fulfilled']);
		expect((outcomes[2] as PromiseRejectedResult).reason).toBe(full);
		expect(values.get('roster')).toEqual([1, 2, 3]);
	});

	it('leaves out a change whose caller gave up before its batch ran, with the reason it gave', async () => {
		const { batches, values } = countingStore();
		const gaveUp = new AbortController();
		const first = batches.update('roster', append(1), live());
		const abandoned = batches.update('roster', append(2), gaveUp.signal);
		gaveUp.abort(new Error('deadline'));
		const third = batches.update('roster', append(3), live());
		await expect(abandoned).rejects.toThrow('deadline');
		await Promise.all([first, third]);
		expect(values.get('roster')).toEqual([1, 3]);
	});

	it('writes nothing when every change leaves the value as it was, and resolves them with undefined', async () => {
		const { batches, counts } = countingStore();
		await expect(Promise.all([batches.update('k', () => undefined, live()), batches.update('k', () => undefined, live())])).resolves.toEqual([undefined, undefined]);
		expect(counts.writes).toBe(0);
	});

	it('rejects the whole batch when the store fails, and the next batch still runs', async () => {
		let fail = true;
		const batches = new BatchedUpdates(async (_key, apply) => {
			if (fail) throw new Error('store down');
			apply(undefined);
		});
		const outcomes = await Promise.allSettled([batches.update('k', append(1), live()), batches.update('k', append(2), live())]);
		expect(outcomes.every((outcome) => outcome.status === 'rejected')).toBe(true);
		fail = false;
		await expect(batches.update('k', append(3), live())).resolves.toEqual([3]);
	});

	it('updates that arrive while a batch is being written go together in the next one', async () => {
		const { batches, values, counts } = countingStore(20);
		const first = batches.update('roster', append(0), live());
		await new Promise((resolve) => setTimeout(resolve, 5));
		const rest = Array.from({ length: 50 }, (_, n) => batches.update('roster', append(n + 1), live()));
		await Promise.all([first, ...rest]);
		expect(values.get('roster')).toEqual([...Array(51).keys()]);
		expect(counts).toEqual({ reads: 2, writes: 2 });
	});

	it('keeps keys apart: a slow key does not hold up another', async () => {
		const { batches, values } = countingStore(30);
		const slow = batches.update('a', append(1), live());
		const startedAt = Date.now();
		await batches.update('b', append(2), live());
		expect(Date.now() - startedAt).toBeLessThan(200);
		await slow;
		expect([values.get('a'), values.get('b')]).toEqual([[1], [2]]);
	});
});

describe('atomic updates on a keyv store go in batches', () => {
	it('a burst of 100 roster updates costs a handful of store writes', async () => {
		const keyv = new Keyv();
		let writes = 0;
		const set = keyv.set.bind(keyv);
		keyv.set = ((...args: Parameters<typeof keyv.set>) => {
			writes += 1;
			return set(...args);
		}) as typeof keyv.set;
		const atomic = atomicValues(keyv);
		await Promise.all(Array.from({ length: 100 }, (_, n) => atomic.update('index', append(n), live())));
		expect(((await keyv.get<number[]>('index')) ?? []).sort((a, b) => a - b)).toEqual([...Array(100).keys()]);
		expect(writes).toBeLessThanOrEqual(2);
	});
});
