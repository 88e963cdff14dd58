import { createServer } from 'node:http';
import { proxyRequests } from '@discordjs/proxy';
import { REST } from '@discordjs/rest';
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
rest.on('rateLimited', (info) =>
	log.debug('discord rate limit', { route: info.route, retryAfterMs: info.retryAfter, global: info.global }),
);
const handle = proxyRequests(rest);
const server = createServer((req, res) => {
	Promise.resolve(handle(req, res)).catch((error: unknown) => {
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
