import { createBot } from './bot.js';
import { startDiagnostics } from './ops/diagnostics.js';
import { createLogger } from './ops/log.js';
import { loadConfigOrExit } from './config/load.js';
import { runShardManager } from './shards/run-manager.js';

/** Process managers send SIGKILL after about 10 s; exit on our own terms before that. */
const HARD_EXIT_MS = 9_500;

const config = loadConfigOrExit();

const log = createLogger({ level: config.logLevel, secrets: [config.discordToken, config.convaiApiKey] });
// SHARD_COUNT above 1 or auto: this process only launches and supervises the shard processes.
if (config.sharding.role === 'manager') await runShardManager(config, log);
const bot = createBot(config, log);
const diagnostics = startDiagnostics(log);

// The bot must outlive any single failure; these are logged and the process keeps serving.
process.on('unhandledRejection', (reason) => log.error('unhandled promise rejection', { error: reason }));
process.on('uncaughtException', (error) => log.error('uncaught exception', { error }));

let stopping = false;
for (const signal of ['SIGINT', 'SIGTERM'] as const) {
	process.on(signal, () => {
		if (stopping) return;
		stopping = true;
		log.info('received signal', { signal });
		setTimeout(() => process.exit(0), HARD_EXIT_MS).unref();
		bot.shutdown().then(
			() => {
				diagnostics.report('shutdown');
				process.exit(0);
			},
			(error: unknown) => {
				log.error('shutdown failed', { error });
				process.exit(0);
			},
		);
	});
}

bot.start().catch((error: unknown) => {
	log.error('could not connect to Discord: check DISCORD_TOKEN (and DISCORD_API_URL if you set it)', { error });
	process.exit(1);
});
