import type { Handler, RouteContext, RouteRequest } from './context.js';
import { errors, resolveAttachments, type Reply } from './http.js';
import { messageObject, type BotIdentity } from './payloads.js';
import { MessageFlag, type MessageBody, type Store } from './store.js';
import type { FakeMessage, Interaction } from './types.js';

const Callback = { Message: 4, Deferred: 5, DeferredUpdate: 6, Update: 7, Autocomplete: 8, Modal: 9 } as const;
const InteractionType = { Command: 2, Component: 3, Autocomplete: 4 } as const;

/** Which callback types Discord accepts for which interaction type. */
const ALLOWED_CALLBACKS: Record<number, number[]> = {
	[InteractionType.Command]: [Callback.Message, Callback.Deferred, Callback.Modal],
	[InteractionType.Component]: [Callback.Message, Callback.Deferred, Callback.DeferredUpdate, Callback.Update, Callback.Modal],
	[InteractionType.Autocomplete]: [Callback.Autocomplete],
};

/** User-installed apps outside servers that installed them get at most 5 follow-ups per interaction. */
const USER_INSTALL_FOLLOW_UP_CAP = 5;

/** A stored message as Discord renders it, with metadata of the interaction that created it. */
export function renderMessage(store: Store, bot: BotIdentity, message: FakeMessage) {
	return messageObject(message, bot, store.interactions.get(message.interactionId));
}

function messageReply(ctx: RouteContext, message: FakeMessage): Reply {
	return { status: 200, body: renderMessage(ctx.store, ctx.bot, message) };
}

/** POST /interactions/{id}/{token}/callback */
export const interactionCallback: Handler = (ctx, req) => {
	const { store } = ctx;
	const interaction = store.interactions.get(req.params['id'] as string);
	if (!interaction || interaction.token !== req.params['token']) throw errors.unknownInteraction();
	if (ctx.callbackDeadlineMs !== false && req.at - interaction.createdAt > ctx.callbackDeadlineMs) {
		const late = Math.round(req.at - interaction.createdAt);
		req.record.note = `callback ${late} ms after the interaction; Discord allows ${ctx.callbackDeadlineMs} ms`;
		throw errors.unknownInteraction();
	}
	if (interaction.callback) throw errors.alreadyAcknowledged();
	const type = Number(req.body?.type);
	if (!ALLOWED_CALLBACKS[interaction.type]?.includes(type)) {
		const message = `Callback type ${type} is not valid for interaction type ${interaction.type}.`;
		throw errors.invalidForm({ type: { _errors: [{ code: 'INTERACTION_RESPONSE_TYPE_INVALID', message }] } });
	}
	const data: MessageBody & { choices?: unknown[] } = req.body?.data ?? {};
	const channelId = interaction.payload.channel_id as string;
	let message: FakeMessage | undefined;

	switch (type) {
		case Callback.Message: {
			const attachments = resolveAttachments(data.attachments, req.files, []);
			message = store.createMessage(interaction, { isOriginal: true, channelId, body: data, attachments }, req.at);
			break;
		}
		case Callback.Deferred: {
			// Only EPHEMERAL is honoured on a defer.
			const body = { flags: (data.flags ?? 0) & MessageFlag.Ephemeral };
			message = store.createMessage(interaction, { isOriginal: true, channelId, body, attachments: [], loading: true }, req.at);
			break;
		}
		case Callback.Update: {
			message = componentMessage(ctx, interaction);
			store.editMessage(message, data, resolveAttachments(data.attachments, req.files, message.attachments), req.at);
			break;
		}
		case Callback.DeferredUpdate:
			message = componentMessage(ctx, interaction);
			break;
		case Callback.Autocomplete:
			interaction.autocompleteChoices = data.choices ?? [];
			break;
		default:
			// Modal: nothing a user sees in the channel changes.
			break;
	}
	interaction.callback = { type, ...(req.body?.data !== undefined ? { data: req.body.data } : {}), at: req.at };
	if (message) {
		interaction.originalMessageId = message.id;
		interaction.followUpIds.unshift(message.id);
	}
	if (req.query['with_response'] !== 'true') return { status: 204 };
	return {
		status: 200,
		body: {
			interaction: {
				id: interaction.id,
				type: interaction.type,
				response_message_id: message?.id,
				response_message_loading: message ? (message.flags & MessageFlag.Loading) !== 0 : undefined,
				response_message_ephemeral: message ? (message.flags & MessageFlag.Ephemeral) !== 0 : undefined,
			},
			resource: { type, ...(message ? { message: renderMessage(store, ctx.bot, message) } : {}) },
		},
	};
};

/** For UPDATE_MESSAGE / DEFERRED_UPDATE_MESSAGE: the message the component is on, which becomes @original. */
function componentMessage(ctx: RouteContext, interaction: Interaction): FakeMessage {
	const message = ctx.store.messages.get(interaction.payload?.message?.id);
	if (!message || message.deleted) throw errors.unknownMessage();
	return message;
}

/** The interaction behind /webhooks/{app}/{token}, if the token may be used now. */
function webhookInteraction(ctx: RouteContext, req: RouteRequest): Interaction {
	if (req.params['app'] !== ctx.bot.applicationId) throw errors.unknownWebhook();
	const token = req.params['token'] as string;
	const interaction = ctx.store.byToken(token);
	if (!interaction || ctx.store.isExpired(token, req.at, ctx.tokenTtlMs)) throw errors.invalidToken();
	if (!interaction.callback) {
		req.record.note = 'webhook call before the interaction was acknowledged';
		throw errors.invalidToken();
	}
	return interaction;
}

/** POST /webhooks/{app}/{token}: a follow-up message. */
export const createFollowUp: Handler = (ctx, req) => {
	const interaction = webhookInteraction(ctx, req);
	const body: MessageBody = req.body ?? {};
	const original = interaction.originalMessageId ? ctx.store.messages.get(interaction.originalMessageId) : undefined;
	// Discord's quirk: a follow-up while the deferred reply is still loading fills that reply instead.
	const loading = original !== undefined && !original.deleted && (original.flags & MessageFlag.Loading) !== 0;
	if (original && loading && interaction.callback?.type === Callback.Deferred) {
		ctx.store.fillLoadingOriginal(original, body, resolveAttachments(body.attachments, req.files, []), req.at);
		interaction.followUpEditedLoadingOriginal = true;
		req.record.note = 'follow-up filled the loading deferred original instead of creating a message (Discord quirk); its flags were ignored';
		return messageReply(ctx, original);
	}
	const followUps = interaction.followUpIds.filter((id) => id !== interaction.originalMessageId).length;
	const owners = interaction.payload?.authorizing_integration_owners ?? {};
	if (!('0' in owners) && followUps >= USER_INSTALL_FOLLOW_UP_CAP) throw errors.followUpCap();
	const attachments = resolveAttachments(body.attachments, req.files, []);
	const channelId = interaction.payload.channel_id as string;
	const message = ctx.store.createMessage(interaction, { isOriginal: false, channelId, body, attachments }, req.at);
	interaction.followUpIds.push(message.id);
	return messageReply(ctx, message);
};

/** GET /webhooks/{app}/{token}/messages/{id | @original} */
export const getWebhookMessage: Handler = (ctx, req) => {
	const interaction = webhookInteraction(ctx, req);
	return messageReply(ctx, ctx.store.messageOf(interaction, req.params['message'] as string));
};

/** PATCH /webhooks/{app}/{token}/messages/{id | @original} */
export const editWebhookMessage: Handler = (ctx, req) => {
	const interaction = webhookInteraction(ctx, req);
	const message = ctx.store.messageOf(interaction, req.params['message'] as string);
	const body: MessageBody = req.body ?? {};
	ctx.store.editMessage(message, body, resolveAttachments(body.attachments, req.files, message.attachments), req.at);
	return messageReply(ctx, message);
};

/** DELETE /webhooks/{app}/{token}/messages/{id | @original} */
export const deleteWebhookMessage: Handler = (ctx, req) => {
	const interaction = webhookInteraction(ctx, req);
	ctx.store.delete(ctx.store.messageOf(interaction, req.params['message'] as string), req.at);
	return { status: 204 };
};
