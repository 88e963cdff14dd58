import type { Config } from '../config/config.js';
import type { Logger } from '../ops/log.js';
import { startOpsServer } from '../ops/http.js';
import { fleetOpsSources } from './fleet-ops.js';
import { startShardFleet } from './manager.js';

/** Process managers send SIGKILL after 15 s or so; every shard is given 12 s, the manager 14.5 s. */
const HARD_EXIT_MS = 14_500;

/**
 * The manager process of `npm start` with SHARD_COUNT above 1 or auto: starts the shards, stops
 * them gracefully on SIGINT/SIGTERM and exits 0. It owns the process from here on: the returned
 * promise never settles, the process ends through process.exit.
 */
export async function runShardManager(config: Config, log: Logger): Promise<never> {
	process.on('unhandledRejection', (reason) => log.error('unhandled promise rejection', { error: reason }));
	process.on('uncaughtException', (error) => log.error('uncaught exception', { error }));
	let fleet: Awaited<ReturnType<typeof startShardFleet>>;
	try {
		fleet = await startShardFleet(config, log);
	} catch (error) {
		log.error('could not start the shards: check DISCORD_TOKEN (and DISCORD_API_URL if you set it)', { error });
		process.exit(1);
	}
	if (config.metricsPort !== undefined) {
		const ops = fleetOpsSources(fleet);
		try {
			const server = await startOpsServer({ host: config.metricsHost, port: config.metricsPort, registry: ops.metrics, health: ops.health, log });
			log.info('operator endpoints listening', { host: config.metricsHost, port: server.port, shards: fleet.count });
		} catch (error) {
			log.error(`could not listen on METRICS_HOST:METRICS_PORT (${config.metricsHost}:${config.metricsPort})`, { error });
			await fleet.stop();
			process.exit(1);
		}
	}
	let stopping = false;
	for (const signal of ['SIGINT', 'SIGTERM'] as const) {
		process.on(signal, () => {
			if (stopping) return;
			stopping = true;
			log.info('received signal; stopping every shard', { signal });
			setTimeout(() => process.exit(0), HARD_EXIT_MS).unref();
			fleet.stop().then(
				() => {
					log.info('every shard stopped');
					process.exit(0);
				},
				(error: unknown) => {
					log.error('stopping the shards failed', { error });
					process.exit(0);
				},
			);
		});
	}
	return new Promise<never>(() => {});
}
