import { performance, type EventLoopUtilization } from 'node:perf_hooks';

/** How often the event loop's utilization is sampled. */
const SAMPLE_MS = 500;
/** Below this share of busy time the loop has room, and edits keep EDIT_INTERVAL_MS. */
const BUSY_FROM = 0.8;
/** Ordinary edits slow down at most this much (3 × 1.2 s: a story still moves every 3.6 s). */
export const MAX_PACE_FACTOR = 3;

/**
 * How much to stretch the interval of ordinary edits for a given event-loop utilization: 1 up to
 * BUSY_FROM, then rising linearly to MAX_PACE_FACTOR at a saturated loop.
 */
export function paceFactorFor(utilization: number): number {
	if (!(utilization > BUSY_FROM)) return 1;
	const over = (Math.min(utilization, 1) - BUSY_FROM) / (1 - BUSY_FROM);
	return 1 + over * (MAX_PACE_FACTOR - 1);
}

export interface LoopLoad {
	/** The factor for the last sample (1 until the first one). */
	paceFactor(): number;
	stop(): void;
}

type Utilization = (current?: EventLoopUtilization, previous?: EventLoopUtilization) => EventLoopUtilization;

/**
 * Watches how busy this process's one thread is. Every write to Discord costs the thread about a
 * millisecond in discord.js and undici; when the thread saturates (a thousand stories at once), the
 * cheapest thing to give up is the freshness of stories still being written, so that
 * acknowledgements, first texts and final texts, which people wait on, are not queued behind edits.
 */
export function watchLoopLoad(utilization: Utilization = performance.eventLoopUtilization.bind(performance)): LoopLoad {
	let last = utilization();
	let factor = 1;
	const timer = setInterval(() => {
		const now = utilization();
		factor = paceFactorFor(utilization(now, last).utilization);
		last = now;
	}, SAMPLE_MS);
	timer.unref();
	return { paceFactor: () => factor, stop: () => clearInterval(timer) };
}
