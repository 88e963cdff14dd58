import {
	DiscordAPIError,
	MessageFlags,
	RESTJSONErrorCodes,
	type ChatInputCommandInteraction,
	type MessageComponentInteraction,
	type InteractionEditReplyOptions,
} from 'discord.js';
import type { DiscordWriteRecorder } from '../ops/metrics.js';
import { DeliveryLostError, type MessageView, type ReplyTarget } from '../render/types.js';

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
	/** Told each follow-up's id as soon as it exists (the run journal records it). */
	onCreated?: (messageId: string) => void;
	/** Counts every write by kind and result. */
	recorder?: DiscordWriteRecorder;
}

type RepliedInteraction = ChatInputCommandInteraction | MessageComponentInteraction;

/** Writes renderer views into an interaction's deferred reply (index 0) and its follow-ups. */
export function createReplyTarget(interaction: RepliedInteraction, options: ReplyTargetOptions): ReplyTarget & {
	readonly messageIds: readonly string[];
} {
	const messageIds: string[] = [];
	const components = (view: MessageView) => options.componentsFor?.(view) ?? [];

	return {
		messageIds,
		async edit(index, view) {
			const message = index === 0 ? '@original' : messageIds[index];
			if (message === undefined) throw new Error(`message ${index} was never created`);
			const edited = await deliver('edit', options.recorder, () =>
				interaction.editReply({ message, content: view.content, allowedMentions: NO_MENTIONS, components: components(view) }),
			);
			messageIds[index] ??= edited.id;
		},
		async create(index, view) {
			const created = await deliver('create', options.recorder, () =>
				interaction.followUp({
					content: view.content,
					allowedMentions: NO_MENTIONS,
					components: components(view),
					...(options.ephemeral ? { flags: MessageFlags.Ephemeral } : {}),
				}),
			);
			messageIds[index] = created.id;
			options.onCreated?.(created.id);
		},
	};
}

async function deliver<Result>(kind: 'create' | 'edit', recorder: DiscordWriteRecorder | undefined, write: () => Promise<Result>): Promise<Result> {
	try {
		const result = await write();
		recorder?.discordWrite(kind, 'ok');
		return result;
	} catch (error) {
		recorder?.discordWrite(kind, 'error');
		if (error instanceof DiscordAPIError && LOST_CODES.has(error.code)) {
			throw new DeliveryLostError(`Discord error ${error.code}: ${error.message}`, { cause: error });
		}
		throw error;
	}
}

/**
 * Which kind of story write a request was (webhook edit or follow-up), for counting the 429 answers
 * discord.js waits out and retries by itself; undefined for any other route.
 */
export function rateLimitedWriteKind(info: { method: string; route: string }): 'create' | 'edit' | undefined {
	if (!info.route.startsWith('/webhooks/')) return undefined;
	const method = info.method.toUpperCase();
	if (method === 'PATCH') return 'edit';
	if (method === 'POST' && !info.route.includes('/messages')) return 'create';
	return undefined;
}
