import { config as loadDotenv } from 'dotenv';
import { ConfigError, loadConfig, loadProxyConfig, type Config, type ProxyConfig } from './config.js';

/**
 * Reads `.env` (values already in the environment win) and validates it; on a problem prints one
 * line per variable and exits with code 1, since a stack trace would only hide the message.
 */
export function loadConfigOrExit(): Config;
export function loadConfigOrExit(which: 'proxy'): ProxyConfig;
export function loadConfigOrExit(which: 'bot' | 'proxy' = 'bot'): Config | ProxyConfig {
	loadDotenv({ quiet: true });
	try {
		return which === 'proxy' ? loadProxyConfig(process.env) : loadConfig(process.env);
	} catch (error) {
		if (!(error instanceof ConfigError)) throw error;
		for (const problem of error.problems) process.stderr.write(`Configuration error: ${problem}\n`);
		process.exit(1);
	}
}
