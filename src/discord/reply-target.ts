import {
	DiscordAPIError,
	MessageFlags,
	RateLimitError,
	RESTEvents,
	RESTJSONErrorCodes,
	type REST,
	type ChatInputCommandInteraction,
	type MessageComponentInteraction,
	type InteractionEditReplyOptions,
} from 'discord.js';
import { DeliveryLostError, type MessageView, type ReplyTarget } from '../render/types.js';
import type { BudgetReport } from '../render/write-budget.js';

/** Nothing in a generated story or a character name may ping anyone. */
export const NO_MENTIONS = { parse: [] as const, repliedUser: false } as const;

/** Discord errors after which no later write to this reply can succeed. */
const LOST_CODES: ReadonlySet<number | string> = new Set([
	RESTJSONErrorCodes.UnknownMessage,
	RESTJSONErrorCodes.UnknownWebhook,
	RESTJSONErrorCodes.InvalidWebhookToken,
	RESTJSONErrorCodes.UnknownInteraction,
	RESTJSONErrorCodes.ThisInteractionHasHitTheMaximumNumberOfFollowUpMessages,
]);

export interface ReplyTargetOptions {
	/** Every follow-up must carry the flag itself: discord.js does not inherit it from the deferred reply. */
	ephemeral: boolean;
	/** Buttons for a message in a given state (none by default). */
	componentsFor?: (view: MessageView) => InteractionEditReplyOptions['components'];
}

type RepliedInteraction = ChatInputCommandInteraction | MessageComponentInteraction;

/** Writes renderer views into an interaction's deferred reply (index 0) and its follow-ups. */
export function createReplyTarget(interaction: RepliedInteraction, options: ReplyTargetOptions): ReplyTarget & {
	readonly messageIds: readonly string[];
} {
	const messageIds: string[] = [];
	const components = (view: MessageView) => options.componentsFor?.(view) ?? [];
	const feed = budgetFeedOf(interaction.client.rest);
	const report = (budget: BudgetReport) => feed.get(interaction.token)?.(budget);
	const deliver = async <Result>(write: () => Promise<Result>): Promise<Result> => {
		try {
			return await write();
		} catch (error) {
			// Only with rest.rejectOnRateLimit set: discord.js otherwise waits out a 429 itself (and says so in 'rateLimited').
			if (error instanceof RateLimitError) report({ retryAfterMs: error.retryAfter });
			if (error instanceof DiscordAPIError && LOST_CODES.has(error.code)) {
				throw new DeliveryLostError(`Discord error ${error.code}: ${error.message}`, { cause: error });
			}
			throw error;
		}
	};

	return {
		messageIds,
		onBudgetReport(listener) {
			feed.set(interaction.token, listener);
			return () => feed.delete(interaction.token);
		},
		async edit(index, view) {
			const message = index === 0 ? '@original' : messageIds[index];
			if (message === undefined) throw new Error(`message ${index} was never created`);
			const edited = await deliver(() =>
				interaction.editReply({ message, content: view.content, allowedMentions: NO_MENTIONS, components: components(view) }),
			);
			messageIds[index] ??= edited.id;
		},
		async create(index, view) {
			const created = await deliver(() =>
				interaction.followUp({
					content: view.content,
					allowedMentions: NO_MENTIONS,
					components: components(view),
					...(options.ephemeral ? { flags: MessageFlags.Ephemeral } : {}),
				}),
			);
			messageIds[index] = created.id;
		},
	};
}

type BudgetListener = (report: BudgetReport) => void;
/** Per REST client: the renderer listening for each interaction token's bucket, fed by two client-wide listeners. */
const budgetFeeds = new WeakMap<REST, Map<string, BudgetListener>>();

/**
 * discord.js reports every response ('response', with the X-RateLimit-* headers) and every wait on a
 * bucket ('rateLimited', after a 429 or when the bucket is empty) on the REST client, not per request.
 * One listener per client routes them by interaction token (the webhook routes' major parameter), so a
 * thousand streaming replies cost one map lookup per response, not a thousand listener calls.
 */
function budgetFeedOf(rest: REST): Map<string, BudgetListener> {
	let feed = budgetFeeds.get(rest);
	if (feed) return feed;
	const listeners = new Map<string, BudgetListener>();
	feed = listeners;
	budgetFeeds.set(rest, listeners);
	rest.on(RESTEvents.Response, (request, response) => {
		if (listeners.size === 0) return;
		const token = webhookToken(request.path);
		const listener = token === undefined ? undefined : listeners.get(token);
		if (listener) listener(reportFromHeaders(response.status, response.headers));
	});
	rest.on(RESTEvents.RateLimited, (info) => {
		if (info.global) return; // the global limiter is discord.js's own (configured in client-options.ts), not the reply's
		const token = info.majorParameter.split('/')[1];
		if (token !== undefined) listeners.get(token)?.({ retryAfterMs: info.retryAfter, limit: info.limit });
	});
	return feed;
}

/** `/webhooks/{application}/{token}/…` → token. */
function webhookToken(path: string): string | undefined {
	if (!path.startsWith('/webhooks/')) return undefined;
	return path.split('/', 4)[3];
}

function reportFromHeaders(status: number, headers: { get(name: string): string | null }): BudgetReport {
	const number = (name: string, scale = 1): number | undefined => {
		const value = Number.parseFloat(headers.get(name) ?? '');
		return Number.isFinite(value) ? value * scale : undefined;
	};
	const report: BudgetReport = {};
	const limit = number('x-ratelimit-limit');
	const remaining = number('x-ratelimit-remaining');
	const resetAfterMs = number('x-ratelimit-reset-after', 1_000);
	if (limit !== undefined) report.limit = limit;
	if (remaining !== undefined) report.remaining = remaining;
	if (resetAfterMs !== undefined) report.resetAfterMs = resetAfterMs;
	if (status === 429) {
		const retryAfterMs = number('retry-after', 1_000);
		if (retryAfterMs !== undefined) report.retryAfterMs = retryAfterMs;
	}
	return report;
}
