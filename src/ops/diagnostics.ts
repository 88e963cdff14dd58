import { monitorEventLoopDelay } from 'node:perf_hooks';
import type { Logger } from './log.js';

/**
 * Process health on demand (SIGUSR2) and at shutdown: memory, CPU, event-loop delay and the open
 * handles by kind, so a leak or a blocked loop shows up in the logs without a debugger.
 */
export function startDiagnostics(log: Logger): { report(reason: string): void } {
	const loopDelay = monitorEventLoopDelay({ resolution: 10 });
	loopDelay.enable();
	const report = (reason: string): void => {
		const resources: Record<string, number> = {};
		for (const kind of process.getActiveResourcesInfo()) resources[kind] = (resources[kind] ?? 0) + 1;
		const cpu = process.cpuUsage();
		const memory = process.memoryUsage();
		log.info('diagnostics', {
			reason,
			rssBytes: memory.rss,
			heapUsedBytes: memory.heapUsed,
			cpuSeconds: (cpu.user + cpu.system) / 1e6,
			eventLoopDelayP99Ms: loopDelay.percentile(99) / 1e6,
			eventLoopDelayMaxMs: loopDelay.max / 1e6,
			resources,
		});
	};
	process.on('SIGUSR2', () => report('SIGUSR2'));
	return { report };
}
