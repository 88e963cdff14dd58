import type { Logger } from '../ops/log.js';
import { LEASE_RENEW_MS, type Journal } from './journal.js';
import { sweepOrphans, type RepairDependencies, type SweepReport } from './repair.js';

export interface JournalMaintenance {
	/** Resolves after the first lease write and sweep (for tests and logs; the bot does not wait). */
	readonly firstSweep: Promise<SweepReport | undefined>;
	stop(): void;
}

/**
 * Renews this process's lease and sweeps for orphaned runs, now and every LEASE_RENEW_MS. Started
 * once the bot can talk to Discord; runs in the background, so commands are served meanwhile.
 * Sweeping on every renewal also repairs a process that dies while this one keeps running.
 */
export function startJournalMaintenance(
	journal: Journal,
	repair: Omit<RepairDependencies, 'store' | 'bootId'>,
	log: Logger,
	intervalMs = LEASE_RENEW_MS,
): JournalMaintenance {
	let stopped = false;
	let running: Promise<SweepReport | undefined> | undefined;
	const tick = (): Promise<SweepReport | undefined> => {
		running ??= (async () => {
			await journal.renew();
			if (stopped) return undefined;
			try {
				const report = await sweepOrphans({ ...repair, store: journal.store, bootId: journal.bootId });
				if (report.deadBoots.length > 0) log.info('repaired the runs of stopped processes', { ...report });
				return report;
			} catch (error) {
				repair.onStoreError?.(error);
				log.warn('could not sweep the run journal; trying again shortly', { error });
				return undefined;
			}
		})().finally(() => {
			running = undefined;
		});
		return running;
	};
	const firstSweep = tick();
	const timer = setInterval(() => void tick(), intervalMs);
	timer.unref();
	return {
		firstSweep,
		stop() {
			stopped = true;
			clearInterval(timer);
		},
	};
}
