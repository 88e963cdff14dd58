import { randomBytes } from 'node:crypto';
import type { CommandOption, FakeMessage, StoredAttachment, UserInput } from './types.js';

const DISCORD_EPOCH = 1_420_070_400_000n;
let increment = 0n;

/** Real-looking snowflakes: discord.js derives timestamps from them, and its REST router only treats 17-19 digit ids as ids. */
export function snowflake(at = Date.now()): string {
	increment = (increment + 1n) & 0xfffn;
	return (((BigInt(at) - DISCORD_EPOCH) << 22n) | (1n << 17n) | increment).toString();
}

/** Interaction tokens are long opaque url-safe strings starting with base64("interaction:"). */
export function interactionToken(): string {
	return `aW50ZXJhY3Rpb246${randomBytes(96).toString('base64url')}`;
}

export const DEFAULT_GUILD_ID = '1100000000000000001';
export const DEFAULT_CHANNEL_ID = '1100000000000000002';
export const DEFAULT_USER: Required<UserInput> = { id: '1100000000000000003', username: 'tester', globalName: 'Tester' };

const bits = (...flags: number[]) => flags.reduce((acc, bit) => acc | (1n << BigInt(bit)), 0n).toString();

/** What @everyone usually has: view, send, embed, attach, history, reactions, external emojis, use app commands... */
export const MEMBER_PERMISSIONS = bits(6, 10, 11, 14, 15, 16, 18, 20, 21, 31, 35, 38, 46, 50);
/** What a bot invited with the usual scopes has in a channel. */
export const APP_PERMISSIONS = bits(6, 10, 11, 13, 14, 15, 16, 18, 31, 35, 38, 46, 50);

export interface InteractionContext {
	applicationId: string;
	guildId: string | null;
	channelId: string;
	user: Required<UserInput>;
	memberPermissions: string;
	installation: 'guild' | 'user';
	locale: string;
	guildLocale: string;
}

export function userObject(user: Required<UserInput>) {
	return {
		id: user.id,
		username: user.username,
		global_name: user.globalName,
		discriminator: '0',
		avatar: null,
		avatar_decoration_data: null,
		public_flags: 0,
		primary_guild: null,
		collectibles: null,
	};
}

/** The fields every interaction shares, as Discord sends them. */
export function interactionBase(ctx: InteractionContext, id: string, token: string, type: number) {
	const inGuild = ctx.guildId !== null;
	const owners: Record<string, string> =
		ctx.installation === 'user' ? { '1': ctx.user.id } : { '0': inGuild ? (ctx.guildId as string) : '0' };
	const base: Record<string, unknown> = {
		id,
		application_id: ctx.applicationId,
		type,
		token,
		version: 1,
		locale: ctx.locale,
		app_permissions: APP_PERMISSIONS,
		entitlements: [],
		authorizing_integration_owners: owners,
		context: inGuild ? 0 : ctx.installation === 'user' ? 2 : 1,
		attachment_size_limit: 10_485_760,
		channel_id: ctx.channelId,
	};
	if (inGuild) {
		base['guild_id'] = ctx.guildId;
		base['guild_locale'] = ctx.guildLocale;
		base['guild'] = { id: ctx.guildId, locale: ctx.guildLocale, features: [] };
		base['channel'] = {
			id: ctx.channelId,
			type: 0,
			guild_id: ctx.guildId,
			name: 'general',
			position: 0,
			parent_id: null,
			nsfw: false,
			topic: null,
			last_message_id: null,
			rate_limit_per_user: 0,
			flags: 0,
			permissions: ctx.memberPermissions,
		};
		base['member'] = {
			user: userObject(ctx.user),
			roles: [],
			premium_since: null,
			permissions: ctx.memberPermissions,
			pending: false,
			nick: null,
			mute: false,
			joined_at: new Date(Date.now() - 86_400_000).toISOString(),
			flags: 0,
			deaf: false,
			communication_disabled_until: null,
			unusual_dm_activity_until: null,
			banner: null,
			avatar: null,
		};
	} else {
		base['user'] = userObject(ctx.user);
		base['channel'] = { id: ctx.channelId, type: 1, last_message_id: null, flags: 0, recipients: [userObject(ctx.user)] };
	}
	return base;
}

/** Option values as Discord sends them, plus `resolved` users for USER (6) options so discord.js can build them. */
export function commandData(commandId: string, name: string, options: CommandOption[], guildId: string | null) {
	const users: Record<string, unknown> = {};
	const walk = (opts: CommandOption[]): unknown[] =>
		opts.map((o) => {
			if (o.type === 6 && typeof o.value === 'string') {
				users[o.value] = userObject({ id: o.value, username: `user${o.value.slice(-4)}`, globalName: `User ${o.value.slice(-4)}` });
			}
			const out: Record<string, unknown> = { name: o.name, type: o.type };
			if (o.value !== undefined) out['value'] = o.value;
			if (o.focused) out['focused'] = true;
			if (o.options) out['options'] = walk(o.options);
			return out;
		});
	const data: Record<string, unknown> = { id: commandId, name, type: 1, options: walk(options) };
	if (guildId) data['guild_id'] = guildId;
	if (Object.keys(users).length > 0) data['resolved'] = { users };
	return data;
}

export interface BotIdentity {
	applicationId: string;
	botUserId: string;
	username: string;
}

export function botAuthor(bot: BotIdentity) {
	const { botUserId: id, username } = bot;
	return { id, username, discriminator: '0', avatar: null, bot: true, global_name: null, public_flags: 0, flags: 0 };
}

export function attachmentObject(a: StoredAttachment, channelId: string) {
	const url = `https://cdn.discordapp.com/attachments/${channelId}/${a.id}/${encodeURIComponent(a.filename)}`;
	return {
		id: a.id,
		filename: a.filename,
		size: a.size,
		url,
		proxy_url: url.replace('cdn.discordapp.com', 'media.discordapp.net'),
		...(a.contentType ? { content_type: a.contentType } : {}),
		...(a.description ? { description: a.description } : {}),
	};
}

/** A message as Discord's webhook endpoints return it; complete enough for discord.js to build a Message. */
export function messageObject(message: FakeMessage, bot: BotIdentity, origin?: { payload: any; originalMessageId?: string }) {
	const state = message.history.at(-1);
	const invoker = origin?.payload?.member?.user ?? origin?.payload?.user;
	return {
		id: message.id,
		type: message.type,
		content: message.content,
		channel_id: message.channelId,
		author: botAuthor(bot),
		attachments: message.attachments.map((a) => attachmentObject(a, message.channelId)),
		embeds: message.embeds,
		mentions: (state?.mentions.users ?? []).map((id) => ({ id, username: `user${id.slice(-4)}`, discriminator: '0', avatar: null })),
		mention_roles: state?.mentions.roles ?? [],
		mention_everyone: state?.mentions.everyone ?? false,
		pinned: false,
		tts: false,
		timestamp: new Date(performance.timeOrigin + message.createdAt).toISOString(),
		edited_timestamp: message.editedAt === undefined ? null : new Date(performance.timeOrigin + message.editedAt).toISOString(),
		flags: message.flags,
		components: message.components,
		application_id: bot.applicationId,
		webhook_id: bot.applicationId,
		position: 0,
		...(origin && invoker
			? {
					interaction_metadata: {
						id: origin.payload.id,
						type: origin.payload.type,
						user: invoker,
						authorizing_integration_owners: origin.payload.authorizing_integration_owners,
						...(message.isOriginal ? {} : { original_response_message_id: origin.originalMessageId }),
						...(origin.payload.message ? { interacted_message_id: origin.payload.message.id } : {}),
					},
				}
			: {}),
	};
}
