/**
 * A fake Discord (REST under /api/v10 + gateway) on 127.0.0.1 for the real discord.js Client:
 * `new Client({ intents: [], rest: { api: fake.apiUrl } })`. Every body the bot sends is checked against
 * Discord's OpenAPI document; anything off is answered the way Discord would and kept in `violations`.
 */
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { CommandsState, RouteContext } from './context.js';
import { FakeDiscordImpl } from './fake.js';
import { FakeGateway } from './gateway.js';
import { openApiValidator } from './openapi.js';
import { SlidingWindowLimiter } from './rate-limit.js';
import { validatedOperations } from './routes.js';
import { RestPipeline } from './server.js';
import { Store } from './store.js';
import type { FakeDiscord, FakeDiscordOptions, RecordedRequest, Violation } from './types.js';

export type * from './types.js';
export { MessageFlag, mentionsOf } from './store.js';
export { contentAt, finalTextAt, firstTextAt, settledAt, unchangedWrites, writesOf } from './timeline.js';
export { DEFAULT_CHANNEL_ID, DEFAULT_GUILD_ID, DEFAULT_USER, MEMBER_PERMISSIONS, APP_PERMISSIONS } from './payloads.js';

export const DEFAULT_APPLICATION_ID = '1300000000000000000';
const FIFTEEN_MINUTES = 15 * 60_000;
/** What interaction webhooks allow in practice (Discord does not publish it; read from real headers). */
export const DEFAULT_RATE_LIMIT = { limit: 5, windowMs: 2_000 } as const;

export async function startFakeDiscord(options: FakeDiscordOptions = {}): Promise<FakeDiscord> {
	const applicationId = options.applicationId ?? DEFAULT_APPLICATION_ID;
	// Most bots' user id equals their application id.
	const bot = { applicationId, botUserId: applicationId, username: 'Backstory' };
	const validator = openApiValidator(options.openApiPath);
	validator.warmUp(validatedOperations());
	const store = new Store();
	const commands: CommandsState = { global: [], guild: new Map(), putCount: 0 };
	const requests: RecordedRequest[] = [];
	const violations: Violation[] = [];
	const timers = new Set<NodeJS.Timeout>();
	let fake: FakeDiscordImpl | undefined;

	const ctx: RouteContext = {
		store,
		bot,
		commands,
		gatewayUrl: () => gateway.url,
		callbackDeadlineMs: options.callbackDeadlineMs ?? 3_000,
		tokenTtlMs: options.tokenTtlMs ?? FIFTEEN_MINUTES,
		shardCount: options.shards ?? 1,
	};
	const rateLimit = options.rateLimit ?? DEFAULT_RATE_LIMIT;
	const limiter = rateLimit ? new SlidingWindowLimiter(rateLimit.limit, rateLimit.windowMs) : null;
	const pipeline = new RestPipeline({
		ctx,
		validator,
		limiter,
		latencyMs: options.latencyMs ?? 0,
		requests,
		violations,
		onAnswered: () => fake?.notify(),
		delay: (ms) =>
			new Promise((resolve) => {
				const timer = setTimeout(() => {
					timers.delete(timer);
					resolve();
				}, ms);
				timers.add(timer);
			}),
	});

	const server = createServer((req, res) => {
		pipeline.handle(req, res).catch(() => {
			// The client went away mid-request; nothing left to answer.
			res.destroy();
		});
	});
	const gateway = new FakeGateway(server, bot, options.shards ?? 1);
	await new Promise<void>((resolve, reject) => {
		server.once('error', reject);
		// Discord's accept queue is thousands deep; Node's default of 511 would drop a 1,000-command burst of connects.
		server.listen({ port: 0, host: '127.0.0.1', backlog: 4_096 }, () => {
			server.off('error', reject);
			resolve();
		});
	});
	const { port } = server.address() as AddressInfo;
	gateway.url = `ws://127.0.0.1:${port}`;

	fake = new FakeDiscordImpl({
		server,
		gateway,
		pipeline,
		store,
		bot,
		commands,
		requests,
		violations,
		apiUrl: `http://127.0.0.1:${port}/api`,
		timers,
	});
	return fake;
}
