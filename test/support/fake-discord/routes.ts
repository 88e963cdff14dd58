import { gateway, gatewayBot, listCommands, overwriteCommands, upsertCommand } from './commands.js';
import type { Handler } from './context.js';
import { createFollowUp, deleteWebhookMessage, editWebhookMessage, getWebhookMessage, interactionCallback } from './interactions.js';

export interface Route {
	method: string;
	pattern: RegExp;
	keys: string[];
	handler: Handler;
	/** The OpenAPI path whose requestBody schema the body must satisfy. */
	spec?: (params: Record<string, string>) => string;
	/** Counts against the per-token webhook rate-limit bucket. */
	webhookBucket?: boolean;
}

export interface RouteMatch {
	route: Route;
	params: Record<string, string>;
}

function route(method: string, template: string, handler: Handler, extra: Pick<Route, 'spec' | 'webhookBucket'> = {}): Route {
	const keys: string[] = [];
	const source = template.replace(/:(\w+)/g, (_, key: string) => {
		keys.push(key);
		return '([^/]+)';
	});
	return { method, pattern: new RegExp(`^${source}$`), keys, handler, ...extra };
}

const fixed = (path: string) => () => path;
const webhookMessageSpec = (p: Record<string, string>) =>
	p['message'] === '@original'
		? '/webhooks/{webhook_id}/{webhook_token}/messages/@original'
		: '/webhooks/{webhook_id}/{webhook_token}/messages/{message_id}';
const GLOBAL_COMMANDS = '/applications/{application_id}/commands';
const GUILD_COMMANDS = '/applications/{application_id}/guilds/{guild_id}/commands';

/** Every route the fake serves, below /api/v10. Anything else is a 404 and a recorded violation. */
export const ROUTES: Route[] = [
	route('GET', '/gateway/bot', gatewayBot),
	route('GET', '/gateway', gateway),
	route('GET', '/applications/:app/commands', listCommands),
	route('PUT', '/applications/:app/commands', overwriteCommands, { spec: fixed(GLOBAL_COMMANDS) }),
	route('POST', '/applications/:app/commands', upsertCommand, { spec: fixed(GLOBAL_COMMANDS) }),
	route('GET', '/applications/:app/guilds/:guild/commands', listCommands),
	route('PUT', '/applications/:app/guilds/:guild/commands', overwriteCommands, { spec: fixed(GUILD_COMMANDS) }),
	route('POST', '/applications/:app/guilds/:guild/commands', upsertCommand, { spec: fixed(GUILD_COMMANDS) }),
	route('POST', '/interactions/:id/:token/callback', interactionCallback, {
		spec: fixed('/interactions/{interaction_id}/{interaction_token}/callback'),
	}),
	route('POST', '/webhooks/:app/:token', createFollowUp, { spec: fixed('/webhooks/{webhook_id}/{webhook_token}'), webhookBucket: true }),
	route('GET', '/webhooks/:app/:token/messages/:message', getWebhookMessage, { webhookBucket: true }),
	route('PATCH', '/webhooks/:app/:token/messages/:message', editWebhookMessage, { spec: webhookMessageSpec, webhookBucket: true }),
	route('DELETE', '/webhooks/:app/:token/messages/:message', deleteWebhookMessage, { webhookBucket: true }),
];

/** Every (OpenAPI path, method) the routes validate against. */
export function validatedOperations(): Array<{ specPath: string; method: string }> {
	const samples: Array<Record<string, string>> = [{}, { message: '@original' }, { message: '1' }];
	const seen = new Map<string, { specPath: string; method: string }>();
	for (const r of ROUTES) {
		for (const params of samples) {
			const specPath = r.spec?.(params);
			if (specPath) seen.set(`${r.method} ${specPath}`, { specPath, method: r.method });
		}
	}
	return [...seen.values()];
}

/** `path` is already percent-decoded, so discord.js' `%40original` arrives here as `@original`. */
export function matchRoute(method: string, path: string): RouteMatch | undefined {
	for (const candidate of ROUTES) {
		if (candidate.method !== method) continue;
		const found = candidate.pattern.exec(path);
		if (!found) continue;
		const params: Record<string, string> = {};
		candidate.keys.forEach((key, i) => (params[key] = found[i + 1] as string));
		return { route: candidate, params };
	}
	return undefined;
}
