import type { ClientOptions } from 'discord.js';
import { config as loadDotenv } from 'dotenv';
import { ConfigError, loadConfig, type Config } from './config.js';
import { NO_MENTIONS } from './discord/reply-target.js';

/**
 * Reads `.env` (values already in the environment win) and validates it; on a problem prints one
 * line per variable and exits with code 1, since a stack trace would only hide the message.
 */
export function loadConfigOrExit(): Config {
	loadDotenv({ quiet: true });
	try {
		return loadConfig(process.env);
	} catch (error) {
		if (!(error instanceof ConfigError)) throw error;
		for (const problem of error.problems) process.stderr.write(`Configuration error: ${problem}\n`);
		process.exit(1);
	}
}

const INTERACTION_REQUESTS_PER_SECOND = 1_000;
const HANDLER_SWEEP_INTERVAL_MS = 5 * 60_000;

/** The discord.js options every entry point shares. */
export function clientOptions(config: Config): Pick<ClientOptions, 'allowedMentions' | 'rest'> {
	return {
		allowedMentions: NO_MENTIONS,
		rest: {
			...(config.discordApiUrl ? { api: config.discordApiUrl } : {}),
			// Discord exempts interaction replies and webhooks from its 50 requests/s global limit, and they
			// are nearly all this bot sends; discord.js's own limiter would otherwise queue busy servers'
			// edits behind each other. Per-reply buckets (and 429 handling) still apply.
			globalRequestsPerSecond: INTERACTION_REQUESTS_PER_SECOND,
			// discord.js keeps a queue per interaction token until this sweep (default: hourly); tokens
			// live 15 minutes, so a busy bot would otherwise hold an hour of dead queues.
			handlerSweepInterval: HANDLER_SWEEP_INTERVAL_MS,
		},
	};
}
