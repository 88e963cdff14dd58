import type { Handler, RouteContext, RouteRequest } from './context.js';
import { DiscordError, errors } from './http.js';
import { snowflake } from './payloads.js';

type Command = Record<string, unknown>;

/** Bot-authenticated routes answer 401 without `Authorization: Bot <token>`, like Discord. */
function requireBot(ctx: RouteContext, req: RouteRequest): void {
	const auth = req.headers['authorization'];
	if (typeof auth !== 'string' || !/^Bot \S+/.test(auth)) throw errors.unauthorized();
	if (req.params['app'] !== undefined && req.params['app'] !== ctx.bot.applicationId) {
		throw new DiscordError(404, 10002, 'Unknown Application');
	}
}

function listFor(ctx: RouteContext, guildId: string | undefined): Command[] {
	return (guildId === undefined ? ctx.commands.global : (ctx.commands.guild.get(guildId) ?? [])) as Command[];
}

/** A command as Discord stores it; ids survive overwrites of a command with the same name and type. */
function stored(ctx: RouteContext, input: Command, previous: Command[], guildId: string | undefined): Command {
	const type = (input['type'] as number | undefined) ?? 1;
	const existing = previous.find((c) => c['name'] === input['name'] && c['type'] === type);
	return {
		default_member_permissions: null,
		description: '',
		dm_permission: guildId === undefined,
		nsfw: false,
		integration_types: [0],
		contexts: null,
		...input,
		type,
		id: existing?.['id'] ?? snowflake(),
		application_id: ctx.bot.applicationId,
		version: snowflake(),
		...(guildId === undefined ? {} : { guild_id: guildId }),
	};
}

/**
 * Discord leaves the localization maps out of a listing unless `with_localizations=true` is asked
 * for, so a bot comparing without it would see a difference on every start.
 */
function withoutLocalizations(value: unknown): unknown {
	if (Array.isArray(value)) return value.map(withoutLocalizations);
	if (typeof value !== 'object' || value === null) return value;
	return Object.fromEntries(
		Object.entries(value)
			.filter(([key]) => key !== 'name_localizations' && key !== 'description_localizations')
			.map(([key, item]) => [key, withoutLocalizations(item)]),
	);
}

/** GET /applications/{app}/commands and /applications/{app}/guilds/{guild}/commands */
export const listCommands: Handler = (ctx, req) => {
	requireBot(ctx, req);
	const list = listFor(ctx, req.params['guild']);
	return { status: 200, body: req.query['with_localizations'] === 'true' ? list : withoutLocalizations(list) };
};

/** PUT: bulk overwrite of every command in the scope. */
export const overwriteCommands: Handler = (ctx, req) => {
	requireBot(ctx, req);
	const guildId = req.params['guild'];
	const previous = listFor(ctx, guildId);
	const next = ((req.body ?? []) as Command[]).map((c) => stored(ctx, c, previous, guildId));
	if (guildId === undefined) ctx.commands.global = next;
	else ctx.commands.guild.set(guildId, next);
	ctx.commands.putCount++;
	return { status: 200, body: next };
};

/** POST: create or replace one command by name. */
export const upsertCommand: Handler = (ctx, req) => {
	requireBot(ctx, req);
	const guildId = req.params['guild'];
	const previous = listFor(ctx, guildId);
	const command = stored(ctx, req.body as Command, previous, guildId);
	const next = [...previous.filter((c) => c['id'] !== command['id']), command];
	if (guildId === undefined) ctx.commands.global = next;
	else ctx.commands.guild.set(guildId, next);
	return { status: previous.length === next.length ? 200 : 201, body: command };
};

/** GET /gateway/bot: where discord.js opens its websocket (`${url}?v=10&encoding=json`). */
export const gatewayBot: Handler = (ctx, req) => {
	requireBot(ctx, req);
	return {
		status: 200,
		body: {
			url: ctx.gatewayUrl(),
			shards: ctx.shardCount,
			session_start_limit: { total: 1000, remaining: 1000, reset_after: 0, max_concurrency: 1 },
		},
	};
};

export const gateway: Handler = (ctx) => ({ status: 200, body: { url: ctx.gatewayUrl() } });
