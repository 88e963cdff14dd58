import { describe, expect, it } from 'vitest';
import { ConfigError, DEFAULT_EDIT_INTERVAL_MS, loadConfig } from '../../src/config/config.js';
import { createLogger } from '../../src/ops/log.js';

const REQUIRED = { DISCORD_TOKEN: 'abc.def.ghi', CONVAI_API_KEY: 'key-123' };

function problemsOf(env: Record<string, string>): readonly string[] {
	try {
		loadConfig(env);
	} catch (error) {
		if (error instanceof ConfigError) return error.problems;
		throw error;
	}
	return [];
}

describe('loadConfig', () => {
	it('applies the documented defaults and freezes the result', () => {
		const config = loadConfig(REQUIRED);
		expect(config).toMatchObject({
			discordToken: 'abc.def.ghi',
			convaiApiKey: 'key-123',
			discordGuildId: undefined,
			convaiApiUrl: 'https://api.convai.com',
			discordApiUrl: undefined,
			editIntervalMs: DEFAULT_EDIT_INTERVAL_MS,
			logLevel: 'info',
			convaiIdleTimeoutMs: 30_000,
			convaiTotalTimeoutMs: 600_000,
			cooldownSeconds: 30,
			talkCooldownSeconds: 5,
		});
		expect(Object.isFrozen(config)).toBe(true);
	});

	it('names each missing required variable', () => {
		expect(problemsOf({})).toEqual([
			'DISCORD_TOKEN is missing: set it to the bot token from the Discord Developer Portal (see .env.example).',
			'CONVAI_API_KEY is missing: set it to your Convai API key (see .env.example).',
		]);
	});

	it('treats blank values as missing', () => {
		expect(problemsOf({ ...REQUIRED, DISCORD_TOKEN: '   ' })).toHaveLength(1);
	});

	it.each([
		['DISCORD_GUILD_ID', 'not-a-server', 'DISCORD_GUILD_ID is invalid: expected a server id (17 to 20 digits).'],
		['CONVAI_API_URL', 'ftp://x', 'CONVAI_API_URL is invalid: expected an http(s) URL such as https://api.convai.com.'],
		['DISCORD_API_URL', 'nope', 'DISCORD_API_URL is invalid: expected an http(s) URL without the version, such as https://discord.com/api.'],
		['EDIT_INTERVAL_MS', '50', 'EDIT_INTERVAL_MS is invalid: expected a whole number of milliseconds from 250 to 10000.'],
		['EDIT_INTERVAL_MS', '1.5', 'EDIT_INTERVAL_MS is invalid: expected a whole number of milliseconds from 250 to 10000.'],
		['LOG_LEVEL', 'loud', 'LOG_LEVEL is invalid: expected one of debug, info, warn, error.'],
		['TALK_COOLDOWN_SECONDS', '-1', 'TALK_COOLDOWN_SECONDS is invalid: expected a whole number of seconds from 0 to 86400.'],
		['CONVAI_TOTAL_TIMEOUT_MS', '900000', 'CONVAI_TOTAL_TIMEOUT_MS is invalid: expected a whole number of milliseconds from 1000 to 840000.'],
		// Passed validation once and then died in the SQLite adapter with a stack trace.
		['STORE_URL', 'sqlite://', 'STORE_URL is invalid: expected sqlite://path/to/file.sqlite (a file path is required), redis://host:port or memory://.'],
		['STORE_URL', 'postgres://db', 'STORE_URL is invalid: expected sqlite://path/to/file.sqlite (a file path is required), redis://host:port or memory://.'],
		['METRICS_PORT', '70000', 'METRICS_PORT is invalid: expected a TCP port (0: any free port, logged), a whole number from 0 to 65535 (leave it empty to turn it off).'],
		['METRICS_PORT', '9x', 'METRICS_PORT is invalid: expected a TCP port (0: any free port, logged), a whole number from 0 to 65535 (leave it empty to turn it off).'],
		['METRICS_HOST', 'two words', 'METRICS_HOST is invalid: expected a host name or IP address to listen on, such as 127.0.0.1 or 0.0.0.0.'],
	])('rejects %s=%s with one clear line', (name, value, message) => {
		expect(problemsOf({ ...REQUIRED, [name]: value })).toEqual([message]);
	});

	it('leaves the operator endpoints off unless METRICS_PORT is set, on 127.0.0.1 by default', () => {
		expect(loadConfig(REQUIRED)).toMatchObject({ metricsPort: undefined, metricsHost: '127.0.0.1' });
		expect(loadConfig({ ...REQUIRED, METRICS_PORT: '9464', METRICS_HOST: '0.0.0.0' })).toMatchObject({ metricsPort: 9464, metricsHost: '0.0.0.0' });
		expect(loadConfig({ ...REQUIRED, STORE_URL: 'sqlite://data/x.sqlite' }).storeUrl).toBe('sqlite://data/x.sqlite');
	});

	it('reads the optional values and strips trailing slashes from URLs', () => {
		const config = loadConfig({
			...REQUIRED,
			DISCORD_GUILD_ID: '123456789012345678',
			CONVAI_API_URL: 'http://127.0.0.1:9999/',
			DISCORD_API_URL: 'http://127.0.0.1:8888/api/',
			EDIT_INTERVAL_MS: '1500',
			LOG_LEVEL: 'debug',
			TALK_COOLDOWN_SECONDS: '12',
		});
		expect(config).toMatchObject({
			talkCooldownSeconds: 12,
			discordGuildId: '123456789012345678',
			convaiApiUrl: 'http://127.0.0.1:9999',
			discordApiUrl: 'http://127.0.0.1:8888/api',
			editIntervalMs: 1500,
			logLevel: 'debug',
		});
	});
});

describe('loadConfig: guarding the Convai key', () => {
	it('screens with the built-in list and sets the documented daily quotas by default', () => {
		expect(loadConfig(REQUIRED)).toMatchObject({
			screenInput: true,
			blockedTerms: [],
			dailyGenerationsPerUser: 20,
			dailyGenerationsPerGuild: 200,
			dailyTalksPerUser: 100,
		});
	});

	it('reads SCREEN_INPUT, BLOCKED_TERMS (trimmed, blanks ignored) and the quotas (0 = no limit)', () => {
		const config = loadConfig({
			...REQUIRED,
			SCREEN_INPUT: 'OFF',
			BLOCKED_TERMS: ' Voldemort , dark lord,, ',
			DAILY_GENERATIONS_PER_USER: '0',
			DAILY_GENERATIONS_PER_GUILD: '50',
			DAILY_TALKS_PER_USER: '7',
		});
		expect(config).toMatchObject({
			screenInput: false,
			blockedTerms: ['Voldemort', 'dark lord'],
			dailyGenerationsPerUser: 0,
			dailyGenerationsPerGuild: 50,
			dailyTalksPerUser: 7,
		});
		expect(loadConfig({ ...REQUIRED, SCREEN_INPUT: 'on' }).screenInput).toBe(true);
	});

	it.each([
		['SCREEN_INPUT', 'maybe', 'SCREEN_INPUT is invalid: expected on (the default) or off.'],
		['BLOCKED_TERMS', 'fine, ---', 'BLOCKED_TERMS is invalid: expected comma-separated words or phrases, each with a letter or digit and at most 100 characters.'],
		['BLOCKED_TERMS', 'x'.repeat(101), 'BLOCKED_TERMS is invalid: expected comma-separated words or phrases, each with a letter or digit and at most 100 characters.'],
		['DAILY_GENERATIONS_PER_USER', '-1', 'DAILY_GENERATIONS_PER_USER is invalid: expected a whole number of generations from 0 to 1000000.'],
		['DAILY_GENERATIONS_PER_GUILD', 'lots', 'DAILY_GENERATIONS_PER_GUILD is invalid: expected a whole number of generations from 0 to 1000000.'],
		['DAILY_TALKS_PER_USER', '2.5', 'DAILY_TALKS_PER_USER is invalid: expected a whole number of messages from 0 to 1000000.'],
	])('rejects %s=%s with one clear line', (name, value, message) => {
		expect(problemsOf({ ...REQUIRED, [name]: value })).toEqual([message]);
	});
});

describe('createLogger', () => {
	it('never writes a secret, even inside an error', () => {
		const lines: string[] = [];
		const log = createLogger({ level: 'debug', secrets: ['sekret-token', 'convai-key'], write: (line) => lines.push(line) });
		log.error('failed with sekret-token', { error: new Error('bad key convai-key'), url: 'https://x/sekret-token' });
		expect(lines).toHaveLength(1);
		expect(lines[0]).not.toContain('sekret-token');
		expect(lines[0]).not.toContain('convai-key');
		expect(lines[0]).toContain('[redacted]');
	});

	it('drops lines below the configured level', () => {
		const lines: string[] = [];
		const log = createLogger({ level: 'warn', secrets: [], write: (line) => lines.push(line) });
		log.info('quiet');
		log.warn('loud', { interactionId: '1' });
		expect(lines.map((line) => JSON.parse(line))).toMatchObject([{ level: 'warn', msg: 'loud', interactionId: '1' }]);
	});
});

describe('SHARD_COUNT and PROXY_PORT', () => {
	const REDIS = { ...REQUIRED, STORE_URL: 'redis://127.0.0.1:6379' };

	it('runs one process when SHARD_COUNT is unset or 1', () => {
		expect(loadConfig(REQUIRED).sharding).toEqual({ role: 'single' });
		expect(loadConfig({ ...REQUIRED, SHARD_COUNT: '1' }).sharding).toEqual({ role: 'single' });
	});

	it('launches shards for a number or auto, with a shared Redis store', () => {
		expect(loadConfig({ ...REDIS, SHARD_COUNT: '4' }).sharding).toEqual({ role: 'manager', count: 4 });
		expect(loadConfig({ ...REDIS, SHARD_COUNT: 'auto' }).sharding).toEqual({ role: 'manager', count: 'auto' });
	});

	it('reads the number discord.js sets in a shard process (never auto)', () => {
		const env = { ...REDIS, SHARDING_MANAGER: 'true', SHARDS: '1', SHARD_COUNT: '3' };
		expect(loadConfig(env).sharding).toEqual({ role: 'shard', shardId: 1, count: 3 });
	});

	it('refuses several shards on SQLite or memory with one line naming STORE_URL=redis://', () => {
		expect(problemsOf({ ...REQUIRED, SHARD_COUNT: '2' })).toEqual([
			'SHARD_COUNT=2 needs a store every shard process shares: set STORE_URL=redis://host:port (SQLite and memory:// are for one process).',
		]);
		expect(problemsOf({ ...REQUIRED, SHARD_COUNT: 'auto', STORE_URL: 'memory://' })).toHaveLength(1);
	});

	it.each(['0', '-2', '2.5', 'many'])('rejects SHARD_COUNT=%s with one clear line', (value) => {
		expect(problemsOf({ ...REDIS, SHARD_COUNT: value })).toEqual([
			'SHARD_COUNT is invalid: expected 1 (one process), a whole number of shards from 2 to 10000, or auto.',
		]);
	});

	it('reads PROXY_PORT (default 8080) and rejects a bad one', () => {
		expect(loadConfig(REQUIRED).proxyPort).toBe(8080);
		expect(loadConfig({ ...REQUIRED, PROXY_PORT: '9000' }).proxyPort).toBe(9000);
		expect(problemsOf({ ...REQUIRED, PROXY_PORT: '70000' })).toEqual(['PROXY_PORT is invalid: expected a port number from 1 to 65535.']);
	});
});
