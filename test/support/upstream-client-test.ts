import { Agent } from 'undici';
import { afterEach, beforeEach, expect } from 'vitest';
import { sleep, startFakeConvai, type FakeConvai } from './fake-convai.js';

export interface UpstreamTestBed {
	/** A fresh fake Convai for each test. */
	fake: FakeConvai;
	/** The client's own dispatcher, so each test's connections can be counted and closed. */
	agent: Agent;
}

/**
 * Gives each test of an upstream client a fresh fake Convai and dispatcher, and fails the test if any
 * request it made is still open afterwards, answered or abandoned.
 */
export function useFakeConvaiPerTest(): UpstreamTestBed {
	const bed = {} as UpstreamTestBed;
	beforeEach(async () => {
		bed.fake = await startFakeConvai();
		bed.agent = new Agent();
	});
	afterEach(async () => {
		try {
			await bed.fake.allClosed(1000);
			await bed.agent.close();
			for (const deadline = Date.now() + 1000; bed.fake.openConnections() > 0 && Date.now() < deadline; ) await sleep(5);
			expect(bed.fake.openConnections()).toBe(0);
		} finally {
			await bed.agent.destroy().catch(() => undefined);
			await bed.fake.close();
		}
	});
	return bed;
}
