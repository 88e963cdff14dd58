import { createBot, OpsEndpointError } from './bot.js';
import { startDiagnostics } from './ops/diagnostics.js';
import { createLogger } from './ops/log.js';
import { installProcessHandlers } from './ops/process-handlers.js';
import { loadConfigOrExit } from './config/load.js';
import { runShardManager } from './shards/run-manager.js';

const config = loadConfigOrExit();

const log = createLogger({ level: config.logLevel, secrets: [config.discordToken, config.convaiApiKey] });
// SHARD_COUNT above 1 or auto: this process only launches and supervises the shard processes.
if (config.sharding.role === 'manager') await runShardManager(config, log);
const bot = createBot(config, log);
const diagnostics = startDiagnostics(log);
installProcessHandlers(process, bot, log, () => diagnostics.report('shutdown'));

bot.start().catch((error: unknown) => {
	if (error instanceof OpsEndpointError) log.error(error.message, { error: error.cause });
	else log.error('could not connect to Discord: check DISCORD_TOKEN (and DISCORD_API_URL if you set it)', { error });
	process.exit(1);
});
