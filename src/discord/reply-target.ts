import {
	DiscordAPIError,
	MessageFlags,
	RESTJSONErrorCodes,
	type ChatInputCommandInteraction,
	type MessageComponentInteraction,
	type InteractionEditReplyOptions,
} from 'discord.js';
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

async function deliver<Result>(write: () => Promise<Result>): Promise<Result> {
	try {
		return await write();
	} catch (error) {
		if (error instanceof DiscordAPIError && LOST_CODES.has(error.code)) {
			throw new DeliveryLostError(`Discord error ${error.code}: ${error.message}`, { cause: error });
		}
		throw error;
	}
}
