import { DEFAULT_STORE_URL } from '../store/keyv.js';

/**
 * Configuration is read once at start-up from the environment and validated into a frozen object.
 * Nothing else in the bot reads process.env.
 */

export type LogLevel = 'debug' | 'info' | 'warn' | 'error';

export interface Config {
	readonly discordToken: string;
	readonly convaiApiKey: string;
	/** Register the commands in this one server (instant) instead of globally. */
	readonly discordGuildId: string | undefined;
	readonly convaiApiUrl: string;
	/** Base URL of Discord's REST API without the version (REST proxies, tests); undefined = discord.js default. */
	readonly discordApiUrl: string | undefined;
	/** Minimum time between two edits of one streaming reply. */
	readonly editIntervalMs: number;
	readonly logLevel: LogLevel;
	/** No data from Convai for this long ends the stream with a notice. */
	readonly convaiIdleTimeoutMs: number;
	/** Hard cap on one generation, well inside Discord's 15-minute interaction token. */
	readonly convaiTotalTimeoutMs: number;
	/** Where characters, settings and cooldowns live: sqlite://file, redis://host or memory://. */
	readonly storeUrl: string;
	/** Most saved characters per server roster (and per private list). */
	readonly maxCharactersPerServer: number;
	/** Seconds a user waits between two generations; 0 = no cooldown. */
	readonly cooldownSeconds: number;
	/** Seconds a user waits between two /talk messages; 0 = no cooldown. */
	readonly talkCooldownSeconds: number;
	/** Running generations allowed at once; 0 = no limit. */
	readonly maxRunningPerUser: number;
	readonly maxRunningPerGuild: number;
	readonly maxRunningTotal: number;
	/** Screen inputs with obscenity's English dataset before they reach Convai (BLOCKED_TERMS apply either way). */
	readonly screenInput: boolean;
	/** The server owner's own blocked words or phrases: case-insensitive, whole words. */
	readonly blockedTerms: readonly string[];
	/** Per UTC day; 0 = no limit. */
	readonly dailyGenerationsPerUser: number;
	readonly dailyGenerationsPerGuild: number;
	readonly dailyTalksPerUser: number;
	/** `naive` (one write per upstream event) exists only as the benchmark's baseline. */
	readonly renderer: 'coalescing' | 'naive';
	/** Port of the operator endpoints (/healthz, /metrics); undefined = no HTTP server. */
	readonly metricsPort: number | undefined;
	/** Address the operator endpoints listen on. */
	readonly metricsHost: string;
	/** One process, the shard launcher (SHARD_COUNT above 1 or auto), or one shard it started. */
	readonly sharding: Sharding;
	/** Port of `npm run rest-proxy` (@discordjs/proxy). */
	readonly proxyPort: number;
}

/**
 * `single`: SHARD_COUNT unset or 1, the bot runs in this process as before. `manager`: this process
 * launches `count` shard processes (a number, or `auto` = Discord's recommendation). `shard`: this
 * process was started by the manager (discord.js sets SHARDING_MANAGER, SHARDS and SHARD_COUNT in
 * its environment, SHARD_COUNT then being a number).
 */
export type Sharding =
	| { readonly role: 'single' }
	| { readonly role: 'manager'; readonly count: number | 'auto' }
	| { readonly role: 'shard'; readonly shardId: number; readonly count: number };

/** Why start-up stopped: one line per problem, each naming the variable and what it expects. */
export class ConfigError extends Error {
	public override readonly name = 'ConfigError';
	public constructor(public readonly problems: readonly string[]) {
		super(problems.join('\n'));
	}
}

export const DEFAULT_EDIT_INTERVAL_MS = 1_200;
const LOG_LEVELS: readonly LogLevel[] = ['debug', 'info', 'warn', 'error'];
const FIFTEEN_MINUTES_MS = 15 * 60_000;
const MAX_BLOCKED_TERM_LENGTH = 100;

type Env = Record<string, string | undefined>;

export function loadConfig(env: Env): Config {
	const problems: string[] = [];
	const read = createReader(env, problems);

	const config: Config = {
		discordToken: read.required('DISCORD_TOKEN', 'the bot token from the Discord Developer Portal', isToken),
		convaiApiKey: read.required('CONVAI_API_KEY', 'your Convai API key', isToken),
		discordGuildId: read.optional('DISCORD_GUILD_ID', 'a server id (17 to 20 digits)', isSnowflake),
		convaiApiUrl: stripTrailingSlash(
			read.optional('CONVAI_API_URL', 'an http(s) URL such as https://api.convai.com', isHttpUrl) ??
				'https://api.convai.com',
		),
		discordApiUrl: mapOptional(
			read.optional('DISCORD_API_URL', 'an http(s) URL without the version, such as https://discord.com/api', isHttpUrl),
			stripTrailingSlash,
		),
		editIntervalMs: read.integer('EDIT_INTERVAL_MS', DEFAULT_EDIT_INTERVAL_MS, 250, 10_000),
		logLevel: (read.optional('LOG_LEVEL', `one of ${LOG_LEVELS.join(', ')}`, (value) =>
			(LOG_LEVELS as readonly string[]).includes(value),
		) ?? 'info') as LogLevel,
		convaiIdleTimeoutMs: read.integer('CONVAI_IDLE_TIMEOUT_MS', 30_000, 100, 300_000),
		convaiTotalTimeoutMs: read.integer('CONVAI_TOTAL_TIMEOUT_MS', 10 * 60_000, 1_000, FIFTEEN_MINUTES_MS - 60_000),
		storeUrl:
			read.optional('STORE_URL', 'sqlite://path/to/file.sqlite (a file path is required), redis://host:port or memory://', (value) =>
				/^(sqlite:\/\/.+|(redis|rediss|memory):\/\/.*)$/.test(value),
			) ?? DEFAULT_STORE_URL,
		maxCharactersPerServer: read.integer('MAX_CHARACTERS_PER_SERVER', 500, 1, 100_000, 'characters'),
		cooldownSeconds: read.integer('COOLDOWN_SECONDS', 30, 0, 86_400, 'seconds'),
		talkCooldownSeconds: read.integer('TALK_COOLDOWN_SECONDS', 5, 0, 86_400, 'seconds'),
		maxRunningPerUser: read.integer('MAX_RUNNING_PER_USER', 1, 0, 1_000, 'generations'),
		maxRunningPerGuild: read.integer('MAX_RUNNING_PER_GUILD', 3, 0, 1_000, 'generations'),
		maxRunningTotal: read.integer('MAX_RUNNING_TOTAL', 20, 0, 10_000, 'generations'),
		screenInput:
			read.optional('SCREEN_INPUT', 'on (the default) or off', (value) => ['on', 'off'].includes(value.toLowerCase()))?.toLowerCase() !== 'off',
		blockedTerms: read.list('BLOCKED_TERMS', `comma-separated words or phrases, each with a letter or digit and at most ${MAX_BLOCKED_TERM_LENGTH} characters`, isBlockedTerm),
		dailyGenerationsPerUser: read.integer('DAILY_GENERATIONS_PER_USER', 20, 0, 1_000_000, 'generations'),
		dailyGenerationsPerGuild: read.integer('DAILY_GENERATIONS_PER_GUILD', 200, 0, 1_000_000, 'generations'),
		dailyTalksPerUser: read.integer('DAILY_TALKS_PER_USER', 100, 0, 1_000_000, 'messages'),
		renderer: read.optional('RENDERER', 'coalescing (the default) or naive (benchmark baseline)', (value) =>
			['coalescing', 'naive'].includes(value),
		) === 'naive' ? 'naive' : 'coalescing',
		metricsPort: read.optionalInteger('METRICS_PORT', 0, 65_535, 'a TCP port (0: any free port, logged)'),
		metricsHost: read.optional('METRICS_HOST', 'a host name or IP address to listen on, such as 127.0.0.1 or 0.0.0.0', isHost) ?? '127.0.0.1',
		sharding: readSharding(env, problems),
		proxyPort: Number(read.optional('PROXY_PORT', 'a port number from 1 to 65535', isPort) ?? 8080),
	};
	if (config.sharding.role !== 'single' && !/^rediss?:\/\//.test(config.storeUrl)) {
		problems.push(
			`SHARD_COUNT=${env['SHARD_COUNT']?.trim()} needs a store every shard process shares: set STORE_URL=redis://host:port (SQLite and memory:// are for one process).`,
		);
	}

	if (problems.length > 0) throw new ConfigError(problems);
	return Object.freeze(config);
}

/** What `npm run rest-proxy` needs: no bot token (each request carries its own) and no Convai key. */
export interface ProxyConfig {
	readonly proxyPort: number;
	/** Where the proxy sends requests: Discord, or DISCORD_API_URL (without the version). */
	readonly discordApiUrl: string | undefined;
	readonly logLevel: LogLevel;
}

export function loadProxyConfig(env: Env): ProxyConfig {
	const problems: string[] = [];
	const read = createReader(env, problems);
	const config: ProxyConfig = {
		proxyPort: Number(read.optional('PROXY_PORT', 'a port number from 1 to 65535', isPort) ?? 8080),
		discordApiUrl: mapOptional(
			read.optional('DISCORD_API_URL', 'an http(s) URL without the version, such as https://discord.com/api', isHttpUrl),
			stripTrailingSlash,
		),
		logLevel: (read.optional('LOG_LEVEL', `one of ${LOG_LEVELS.join(', ')}`, (value) => (LOG_LEVELS as readonly string[]).includes(value)) ??
			'info') as LogLevel,
	};
	if (problems.length > 0) throw new ConfigError(problems);
	return Object.freeze(config);
}

/** SHARD_COUNT as the operator writes it (1, a number, auto), or as discord.js sets it in a shard. */
function readSharding(env: Env, problems: string[]): Sharding {
	const raw = env['SHARD_COUNT']?.trim() ?? '';
	if (env['SHARDING_MANAGER'] !== undefined) {
		const shardId = Number(env['SHARDS']);
		const count = Number(raw);
		if (!Number.isInteger(shardId) || !Number.isInteger(count) || shardId < 0 || shardId >= count) {
			problems.push(`SHARDS/SHARD_COUNT are invalid in a shard process (got ${env['SHARDS']}/${raw}): start the bot with npm start, not by hand.`);
			return { role: 'single' };
		}
		return { role: 'shard', shardId, count };
	}
	if (raw === '' || raw === '1') return { role: 'single' };
	if (raw.toLowerCase() === 'auto') return { role: 'manager', count: 'auto' };
	const count = Number(raw);
	if (!Number.isInteger(count) || count < 1 || count > 10_000) {
		problems.push('SHARD_COUNT is invalid: expected 1 (one process), a whole number of shards from 2 to 10000, or auto.');
		return { role: 'single' };
	}
	return { role: 'manager', count };
}

function createReader(env: Env, problems: string[]) {
	const value = (name: string): string | undefined => {
		const raw = env[name]?.trim();
		return raw === undefined || raw === '' ? undefined : raw;
	};
	return {
		required(name: string, expected: string, isValid: (value: string) => boolean): string {
			const found = value(name);
			if (found === undefined) problems.push(`${name} is missing: set it to ${expected} (see .env.example).`);
			else if (!isValid(found)) problems.push(`${name} is invalid: expected ${expected}.`);
			return found ?? '';
		},
		optional(name: string, expected: string, isValid: (value: string) => boolean): string | undefined {
			const found = value(name);
			if (found !== undefined && !isValid(found)) problems.push(`${name} is invalid: expected ${expected}.`);
			return found;
		},
		/** Comma-separated; blanks between commas are ignored, each other item must be valid. */
		list(name: string, expected: string, isValid: (item: string) => boolean): readonly string[] {
			const items = (value(name) ?? '').split(',').map((item) => item.trim()).filter((item) => item !== '');
			if (!items.every(isValid)) problems.push(`${name} is invalid: expected ${expected}.`);
			return Object.freeze(items);
		},
		optionalInteger(name: string, min: number, max: number, what: string): number | undefined {
			const found = value(name);
			if (found === undefined) return undefined;
			const parsed = Number(found);
			if (!/^\d+$/.test(found) || parsed < min || parsed > max) {
				problems.push(`${name} is invalid: expected ${what}, a whole number from ${min} to ${max} (leave it empty to turn it off).`);
				return undefined;
			}
			return parsed;
		},
		integer(name: string, fallback: number, min: number, max: number, unit = 'milliseconds'): number {
			const found = value(name);
			if (found === undefined) return fallback;
			const parsed = Number(found);
			if (!Number.isInteger(parsed) || parsed < min || parsed > max) {
				problems.push(`${name} is invalid: expected a whole number of ${unit} from ${min} to ${max}.`);
				return fallback;
			}
			return parsed;
		},
	};
}

function isBlockedTerm(term: string): boolean {
	return term.length <= MAX_BLOCKED_TERM_LENGTH && /[\p{L}\p{N}]/u.test(term);
}

function isPort(value: string): boolean {
	return /^\d+$/.test(value) && Number(value) >= 1 && Number(value) <= 65_535;
}

function isToken(value: string): boolean {
	return !/\s/.test(value);
}

function isHost(value: string): boolean {
	return /^[\w.:-]+$/.test(value);
}

function isSnowflake(value: string): boolean {
	return /^\d{17,20}$/.test(value);
}

function isHttpUrl(value: string): boolean {
	try {
		const url = new URL(value);
		return url.protocol === 'http:' || url.protocol === 'https:';
	} catch {
		return false;
	}
}

function stripTrailingSlash(url: string): string {
	return url.replace(/\/+$/, '');
}

function mapOptional<Value, Result>(value: Value | undefined, map: (value: Value) => Result): Result | undefined {
	return value === undefined ? undefined : map(value);
}
