import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { buffer } from 'node:stream/consumers';
import { populateErrorResponse, populateSuccessfulResponse } from '@discordjs/proxy';
import { REST, type RequestMethod, type RouteLike } from '@discordjs/rest';
import { loadConfigOrExit } from './config/load.js';
import { createLogger } from './ops/log.js';

/**
 * `npm run rest-proxy`: one @discordjs/proxy in front of Discord's REST API for every shard, so
 * Discord's global limit (50 requests/s per bot, all shards together) is counted in one place.
 * Point each shard's DISCORD_API_URL at http://this-host:PROXY_PORT/api. Requests keep their own
 * Authorization header, so the proxy holds no token.
 */
const config = loadConfigOrExit('proxy');
const log = createLogger({ level: config.logLevel, secrets: [] });

const rest = new REST({ ...(config.discordApiUrl ? { api: config.discordApiUrl } : {}) });
rest.on('response', (request, response) => {
	if (response.status === 429) log.debug('discord answered 429; retrying after its delay', { route: request.route });
});
rest.on('rateLimited', (info) =>
	log.debug('discord rate limit', { route: info.route, retryAfterMs: info.retryAfter, global: info.global }),
);
/**
 * @discordjs/proxy's proxyRequests(), with one change: it hands @discordjs/rest the incoming request
 * stream as the body, so a request that rest retries (after a 429 or a 5xx) goes out again with an
 * empty body and Discord answers 400. We read the body into memory first, so a retry resends it.
 */
async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
	const url = new URL(req.url ?? '/', 'http://proxy');
	const headers: Record<string, string> = {};
	for (const name of ['content-type', 'authorization', 'x-audit-log-reason']) {
		const value = req.headers[name];
		if (typeof value === 'string') headers[name] = value;
	}
	const body = await buffer(req);
	try {
		const response = await rest.queueRequest({
			fullRoute: url.pathname.replace(/^\/api(\/v\d+)?/, '') as RouteLike,
			method: (req.method ?? 'GET') as RequestMethod,
			// The shard's own Authorization header is forwarded; the proxy holds no token.
			auth: false,
			passThroughBody: true,
			...(body.length > 0 ? { body } : {}),
			query: url.searchParams,
			headers,
		});
		await populateSuccessfulResponse(res, response);
	} catch (error) {
		if (!populateErrorResponse(res, error)) throw error;
	} finally {
		res.end();
	}
}

const server = createServer((req, res) => {
	handle(req, res).catch((error: unknown) => {
		log.error('proxy request failed', { method: req.method, error });
		if (!res.headersSent) res.statusCode = 502;
		res.end();
	});
});

server.listen(config.proxyPort, () =>
	log.info('rest proxy listening', { port: config.proxyPort, upstream: config.discordApiUrl ?? 'https://discord.com/api' }),
);
for (const signal of ['SIGINT', 'SIGTERM'] as const) {
	process.on(signal, () => {
		log.info('received signal', { signal });
		server.close(() => process.exit(0));
		server.closeAllConnections();
		setTimeout(() => process.exit(0), 2_000).unref();
	});
}
