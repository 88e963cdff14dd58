import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Logger } from './log.js';

/** A store that does not answer this fast is reported unavailable. */
export const STORE_PING_TIMEOUT_MS = 1_000;

export interface HealthSources {
	gatewayReady(): boolean;
	/** Resolves true when the store answered; may hang or reject (bounded here). */
	pingStore(): Promise<boolean>;
}

export interface Health extends HealthReport {
	status: 'ok' | 'unavailable';
	gateway: 'ready' | 'not_ready';
	store: 'ok' | 'unavailable';
}

/** What /metrics serves: one process's registry, or the manager's merge of every shard's. */
export interface MetricsSource {
	readonly contentType: string;
	metrics(): Promise<string>;
}

/** What /healthz answers: 200 when `status` is ok, 503 otherwise, with the whole report as JSON. */
export interface HealthReport {
	status: 'ok' | 'unavailable';
	readonly [detail: string]: unknown;
}

export interface OpsServer {
	readonly port: number;
	close(): Promise<void>;
}

export async function checkHealth(sources: HealthSources): Promise<Health> {
	const gateway = sources.gatewayReady() ? 'ready' : 'not_ready';
	const store = (await pingWithin(sources.pingStore, STORE_PING_TIMEOUT_MS)) ? 'ok' : 'unavailable';
	return { status: gateway === 'ready' && store === 'ok' ? 'ok' : 'unavailable', gateway, store };
}

/**
 * The operator endpoints: GET /healthz (200 or 503, JSON) and GET /metrics (Prometheus text).
 * Anything else is 404. Listens on host:port; resolves once listening.
 */
export async function startOpsServer(options: {
	host: string;
	port: number;
	registry: MetricsSource;
	/** This process's gateway and store, or a whole-bot report (the shard manager's). */
	health: HealthSources | (() => Promise<HealthReport>);
	log: Logger;
}): Promise<OpsServer> {
	const { registry, health, log } = options;
	const report = typeof health === 'function' ? health : (): Promise<HealthReport> => checkHealth(health);
	const server: Server = createServer((request, response) => {
		const path = (request.url ?? '/').split('?')[0];
		const answer = async (): Promise<void> => {
			if (request.method === 'GET' && path === '/healthz') {
				const result = await report();
				response.writeHead(result.status === 'ok' ? 200 : 503, { 'content-type': 'application/json', 'cache-control': 'no-store' });
				response.end(JSON.stringify(result));
			} else if (request.method === 'GET' && path === '/metrics') {
				const body = await registry.metrics();
				response.writeHead(200, { 'content-type': registry.contentType });
				response.end(body);
			} else {
				response.writeHead(404, { 'content-type': 'text/plain' });
				response.end('not found\n');
			}
		};
		answer().catch((error: unknown) => {
			log.error('ops endpoint failed', { path, error });
			if (!response.headersSent) response.writeHead(500);
			response.end();
		});
	});
	await new Promise<void>((resolve, reject) => {
		server.once('error', reject);
		server.listen(options.port, options.host, () => {
			server.off('error', reject);
			resolve();
		});
	});
	// A port taken later (never) or a client error must not crash the bot.
	server.on('error', (error) => log.error('ops server error', { error }));
	server.on('clientError', (_error, socket) => socket.destroy());
	const { port } = server.address() as AddressInfo;
	return {
		port,
		close: () =>
			new Promise<void>((resolve) => {
				server.close(() => resolve());
				server.closeAllConnections();
			}),
	};
}

async function pingWithin(ping: () => Promise<boolean>, timeoutMs: number): Promise<boolean> {
	let timer: NodeJS.Timeout | undefined;
	const timedOut = new Promise<boolean>((resolve) => {
		timer = setTimeout(() => resolve(false), timeoutMs);
	});
	try {
		return await Promise.race([ping().catch(() => false), timedOut]);
	} finally {
		clearTimeout(timer);
	}
}
