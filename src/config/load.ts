import { config as loadDotenv } from 'dotenv';
import { ConfigError, loadConfig, type Config } from './config.js';

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
