import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import KeyvRedis from '@keyv/redis';
import KeyvSqlite from '@keyv/sqlite';
import Keyv from 'keyv';
import { StoreConfigError } from './errors.js';

export interface KeyvFromUrlOptions {
	/** Keeps the stores apart when they share one SQLite file or one Redis database. */
	namespace: string;
	/** Receives every error the adapter emits; without a listener keyv's 'error' would crash the process. */
	onError: (error: unknown) => void;
	/** Redis only: give up connecting after this long, so an unreachable server fails fast. */
	connectTimeoutMs?: number;
}

export const DEFAULT_STORE_URL = 'sqlite://data/backstory.sqlite';
const DEFAULT_CONNECT_TIMEOUT_MS = 1000;
/** How long SQLite waits on a lock held by another connection (our three stores open one each). */
const SQLITE_BUSY_TIMEOUT_MS = 1000;
/**
 * WAL lets the stores' connections read while one writes, and with synchronous=NORMAL a commit is an
 * append to the log with no fsync (a power cut may lose the last commits, never corrupt the file). With
 * SQLite's default rollback journal every write fsynced several times while holding the file lock:
 * under a burst of commands the roster saves and prompt writes queued behind each other for seconds.
 * journal_mode is kept in the file; synchronous is per connection, so every connection sets both.
 */
const SQLITE_PRAGMAS = ['PRAGMA journal_mode = WAL', 'PRAGMA synchronous = NORMAL'];

/**
 * Opens a Keyv for STORE_URL: `sqlite://path`, `redis://…` / `rediss://…`, or `memory://` (tests).
 * Throws StoreConfigError for anything else. Does not wait for the connection: the first call does.
 */
export function createKeyvFromUrl(storeUrl: string, options: KeyvFromUrlOptions): Keyv {
	const keyv = openKeyv(storeUrl, options);
	keyv.on('error', options.onError);
	// By default keyv turns a failing get() into "not found" without even emitting; we want a failure
	// we can report, so every adapter throws and the callers translate it into StoreUnavailableError.
	keyv.throwOnErrors = true;
	return keyv;
}

function openKeyv(storeUrl: string, options: KeyvFromUrlOptions): Keyv {
	const scheme = /^([a-z]+):\/\//i.exec(storeUrl)?.[1]?.toLowerCase();
	switch (scheme) {
		case 'memory':
			return new Keyv({ namespace: options.namespace });
		case 'sqlite':
			return openSqlite(storeUrl, options);
		case 'redis':
		case 'rediss':
			return openRedis(storeUrl, options);
		default:
			throw new StoreConfigError(
				`STORE_URL must start with sqlite://, redis://, rediss:// or memory:// (got "${redactUrl(storeUrl)}"). ` +
					`Example: STORE_URL=${DEFAULT_STORE_URL}`,
			);
	}
}

function openSqlite(storeUrl: string, options: KeyvFromUrlOptions): Keyv {
	// Same rule as @keyv/sqlite: everything after the scheme is the file path (relative to the cwd).
	const path = storeUrl.slice('sqlite://'.length);
	if (path === '') {
		throw new StoreConfigError(`STORE_URL "${storeUrl}" has no file path. Example: STORE_URL=${DEFAULT_STORE_URL}`);
	}
	if (path !== ':memory:') {
		// sqlite3 creates the file but not its folder; a fresh checkout has no data/ directory.
		try {
			mkdirSync(dirname(path), { recursive: true });
		} catch (error) {
			throw new StoreConfigError(`Cannot create the folder for STORE_URL "${storeUrl}": ${String(error)}`, { cause: error });
		}
	}
	const adapter = new KeyvSqlite({ uri: storeUrl, busyTimeout: SQLITE_BUSY_TIMEOUT_MS });
	const keyv = new Keyv(adapter, { namespace: options.namespace });
	// The adapter opens the file in a promise nobody awaits until the first query. If opening fails
	// before that, the rejection would be unhandled and kill the process; these first queries handle it
	// (the adapter also emits the error, which reaches onError through keyv).
	for (const pragma of SQLITE_PRAGMAS) adapter.query(pragma).catch(() => undefined);
	return keyv;
}

function openRedis(storeUrl: string, options: KeyvFromUrlOptions): Keyv {
	const connectTimeoutMs = options.connectTimeoutMs ?? DEFAULT_CONNECT_TIMEOUT_MS;
	// With the defaults, @keyv/redis waits forever for an unreachable server. connectionTimeout +
	// throwOnConnectError bound the connect step; disableOfflineQueue makes commands fail at once
	// while a dropped connection is being re-established, instead of queueing and replaying them
	// later (after we already told the user the save failed).
	const adapter = new ReadyKeyvRedis(
		{
			url: storeUrl,
			disableOfflineQueue: true,
			socket: { connectTimeout: connectTimeoutMs, reconnectStrategy: retryDelayMs },
		},
		{
			namespace: options.namespace,
			throwOnConnectError: true,
			throwOnErrors: true,
			connectionTimeout: connectTimeoutMs,
		},
	);
	// Mirrors @keyv/redis createKeyv(): the adapter prefixes keys itself, so keyv must not add a second prefix.
	return new Keyv(adapter, { namespace: options.namespace, useKeyPrefix: false });
}

/**
 * @keyv/redis' getClient() returns as soon as a connect is under way (isOpen); with
 * disableOfflineQueue, the commands of calls that arrive together with the first one then fail with
 * "The client is offline". Those calls wait for the handshake (or its failure) instead.
 */
class ReadyKeyvRedis extends KeyvRedis<unknown> {
	public override async getClient(): Promise<KeyvRedis<unknown>['client']> {
		const client = await super.getClient();
		if ('isReady' in client && !client.isReady) {
			await new Promise<void>((resolve, reject) => {
				const ready = (): void => {
					client.off('error', failed);
					resolve();
				};
				const failed = (error: unknown): void => {
					client.off('ready', ready);
					reject(error);
				};
				client.once('ready', ready);
				client.once('error', failed);
			});
		}
		return client;
	}
}

/** Same back-off as @keyv/redis' default (100 ms doubling up to 2 s, with jitter). */
function retryDelayMs(attempt: number): number {
	return Math.min(2 ** attempt * 100, 2000) + Math.round((Math.random() - 0.5) * 100);
}

/**
 * Disconnects, giving up after `timeoutMs`: a graceful Redis QUIT can wait on a server that is gone,
 * so after the timeout the connection is dropped instead. Never throws.
 */
export async function disconnectKeyv(keyv: Keyv, timeoutMs = 1000): Promise<void> {
	let timer: NodeJS.Timeout | undefined;
	const timedOut = new Promise<'timeout'>((resolve) => {
		timer = setTimeout(() => resolve('timeout'), timeoutMs);
	});
	try {
		const outcome = await Promise.race([keyv.disconnect().then(() => 'done' as const), timedOut]);
		if (outcome === 'timeout' && keyv.store instanceof KeyvRedis) {
			await keyv.store.disconnect(true);
		}
	} catch (error) {
		keyv.emit('error', error);
	} finally {
		clearTimeout(timer);
	}
}

/** Hides a password in a URL that is echoed back in an error message. */
function redactUrl(url: string): string {
	return url.replace(/\/\/([^/@]*)@/, '//***@');
}
