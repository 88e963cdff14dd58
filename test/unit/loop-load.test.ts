import type { EventLoopUtilization } from 'node:perf_hooks';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { MAX_PACE_FACTOR, paceFactorFor, watchLoopLoad } from '../../src/ops/loop-load.js';

describe('paceFactorFor', () => {
	it.each([
		[0, 1],
		[0.5, 1],
		[0.8, 1],
		[0.9, 2],
		[1, MAX_PACE_FACTOR],
		[1.2, MAX_PACE_FACTOR],
		[Number.NaN, 1],
	])('utilization %d → %d', (utilization, factor) => {
		expect(paceFactorFor(utilization)).toBeCloseTo(factor);
	});
});

describe('watchLoopLoad', () => {
	afterEach(() => {
		vi.useRealTimers();
	});

	it("follows the loop's utilization over each half second, from 1 before the first sample", async () => {
		vi.useFakeTimers({ now: 0 });
		// A fake clock of busy and idle time, as performance.eventLoopUtilization reports it.
		let idle = 0;
		let active = 0;
		const utilization = (current?: EventLoopUtilization, previous?: EventLoopUtilization): EventLoopUtilization => {
			if (!current) return { idle, active, utilization: 0 };
			const busy = current.active - (previous?.active ?? 0);
			const total = busy + current.idle - (previous?.idle ?? 0);
			return { idle: 0, active: 0, utilization: total === 0 ? 0 : busy / total };
		};
		const load = watchLoopLoad(utilization);
		expect(load.paceFactor()).toBe(1);
		active += 500; // saturated
		await vi.advanceTimersByTimeAsync(500);
		expect(load.paceFactor()).toBe(MAX_PACE_FACTOR);
		active += 450;
		idle += 50; // 90 % busy
		await vi.advanceTimersByTimeAsync(500);
		expect(load.paceFactor()).toBeCloseTo(2);
		active += 100;
		idle += 400; // quiet again
		await vi.advanceTimersByTimeAsync(500);
		expect(load.paceFactor()).toBe(1);
		load.stop();
		expect(vi.getTimerCount()).toBe(0);
	});
});
