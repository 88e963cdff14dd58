import { errors } from './http.js';
import { snowflake } from './payloads.js';
import type { FakeMessage, Interaction, MessageState, Mentions, StoredAttachment } from './types.js';

export const MessageFlag = {
	SuppressEmbeds: 1 << 2,
	Ephemeral: 1 << 6,
	Loading: 1 << 7,
	SuppressNotifications: 1 << 12,
	IsComponentsV2: 1 << 15,
} as const;

/** Flags a new interaction message may carry. */
const CREATE_FLAGS = MessageFlag.SuppressEmbeds | MessageFlag.Ephemeral | MessageFlag.SuppressNotifications | MessageFlag.IsComponentsV2;
/** Edit Webhook Message accepts only these; ephemerality can never change after creation. */
const EDIT_FLAGS = MessageFlag.SuppressEmbeds | MessageFlag.IsComponentsV2;

/** Interaction webhooks default to pinging users only when allowed_mentions is omitted. */
const WEBHOOK_DEFAULT_MENTIONS = { parse: ['users'] };

/** The message fields of a create/edit body (snake_case, as sent). */
export interface MessageBody {
	content?: string | null;
	embeds?: unknown[] | null;
	components?: unknown[] | null;
	allowed_mentions?: unknown;
	flags?: number | null;
	attachments?: unknown;
}

export class Store {
	readonly interactions = new Map<string, Interaction>();
	readonly messages = new Map<string, FakeMessage>();
	readonly #byToken = new Map<string, Interaction>();
	readonly #expired = new Set<string>();

	addInteraction(interaction: Interaction): void {
		this.interactions.set(interaction.id, interaction);
		this.#byToken.set(interaction.token, interaction);
	}

	byToken(token: string): Interaction | undefined {
		return this.#byToken.get(token);
	}

	expire(token: string): void {
		this.#expired.add(token);
	}

	isExpired(token: string, now: number, ttlMs: number): boolean {
		const interaction = this.#byToken.get(token);
		return this.#expired.has(token) || (interaction !== undefined && now - interaction.createdAt > ttlMs);
	}

	/** A message this interaction's webhook may address: its original or one of its follow-ups. */
	messageOf(interaction: Interaction, ref: string): FakeMessage {
		const id = ref === '@original' ? interaction.originalMessageId : ref;
		const message = id === undefined ? undefined : this.messages.get(id);
		if (!message || !interaction.followUpIds.includes(message.id) || message.deleted) throw errors.unknownMessage();
		return message;
	}

	createMessage(
		interaction: Interaction,
		init: { isOriginal: boolean; channelId: string; body: MessageBody; attachments: StoredAttachment[]; loading?: boolean },
		at: number,
	): FakeMessage {
		const flags = ((init.body.flags ?? 0) & CREATE_FLAGS) | (init.loading ? MessageFlag.Loading : 0);
		// A loading (deferred) message is legitimately empty; anything else must have something to show.
		const state = init.loading
			? stateOf({ content: '', embeds: [], components: [], flags, allowedMentions: WEBHOOK_DEFAULT_MENTIONS, attachments: [] }, at)
			: nextState(undefined, init.body, init.attachments, flags, at);
		const message: FakeMessage = {
			id: snowflake(),
			channelId: init.channelId,
			interactionId: interaction.id,
			token: interaction.token,
			isOriginal: init.isOriginal,
			type: init.isOriginal ? 20 : 0,
			content: state.content,
			flags: state.flags,
			components: state.components,
			embeds: state.embeds,
			allowedMentions: state.allowedMentions,
			attachments: state.attachments,
			deleted: false,
			createdAt: at,
			history: [state],
		};
		this.messages.set(message.id, message);
		return message;
	}

	/** Applies an edit the way Discord does, or throws the error Discord would answer with. */
	editMessage(message: FakeMessage, body: MessageBody, attachments: StoredAttachment[], at: number): void {
		const prev = message.history.at(-1) as MessageState;
		// Components V2 cannot be turned off once on; editing always ends the loading state.
		const kept = prev.flags & ~MessageFlag.Loading;
		const flags = body.flags == null ? kept : (kept & ~MessageFlag.SuppressEmbeds) | (body.flags & EDIT_FLAGS);
		apply(message, nextState(prev, body, attachments, flags, at));
	}

	/** Replaces the loading original with a follow-up's content, keeping the defer's flags (Discord's quirk). */
	fillLoadingOriginal(message: FakeMessage, body: MessageBody, attachments: StoredAttachment[], at: number): void {
		const flags = message.flags & ~MessageFlag.Loading;
		apply(message, nextState(message.history.at(-1), body, attachments, flags, at));
	}

	delete(message: FakeMessage, at: number): void {
		message.deleted = true;
		message.deletedAt ??= at;
	}
}

function apply(message: FakeMessage, state: MessageState): void {
	message.content = state.content;
	message.flags = state.flags;
	message.components = state.components;
	message.embeds = state.embeds;
	message.allowedMentions = state.allowedMentions;
	message.attachments = state.attachments;
	message.editedAt = state.at;
	message.history.push(state);
}

function nextState(
	prev: MessageState | undefined,
	body: MessageBody,
	attachments: StoredAttachment[],
	flags: number,
	at: number,
): MessageState {
	const content = 'content' in body ? (body.content ?? '') : (prev?.content ?? '');
	const embeds = 'embeds' in body ? (body.embeds ?? []) : (prev?.embeds ?? []);
	const components = 'components' in body ? (body.components ?? []) : (prev?.components ?? []);
	// Discord re-parses mentions whenever content is written; without allowed_mentions its defaults apply again.
	const allowedMentions =
		prev === undefined || 'content' in body
			? (body.allowed_mentions ?? WEBHOOK_DEFAULT_MENTIONS)
			: (body.allowed_mentions ?? prev.allowedMentions);
	if (content.trim() === '' && embeds.length === 0 && components.length === 0 && attachments.length === 0) {
		throw errors.emptyMessage();
	}
	return stateOf({ content, embeds, components, flags, allowedMentions, attachments }, at);
}

function stateOf(s: Omit<MessageState, 'at' | 'mentions'>, at: number): MessageState {
	return { at, ...s, mentions: mentionsOf(s.content, s.allowedMentions) };
}

/** Who a message pings given its content and allowed_mentions. */
export function mentionsOf(content: string, allowed: unknown): Mentions {
	const rules = (allowed ?? {}) as { parse?: string[] | null; users?: string[] | null; roles?: string[] | null };
	const parse = rules.parse ?? [];
	const ids = (re: RegExp) => [...new Set([...content.matchAll(re)].map((m) => m[1] as string))];
	return {
		users: ids(/<@!?(\d+)>/g).filter((id) => parse.includes('users') || rules.users?.includes(id)),
		roles: ids(/<@&(\d+)>/g).filter((id) => parse.includes('roles') || rules.roles?.includes(id)),
		everyone: parse.includes('everyone') && /@(everyone|here)\b/.test(content),
	};
}
