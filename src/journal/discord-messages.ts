import { DiscordAPIError, MessageFlags, Routes, type REST } from 'discord.js';
import type { DiscordWriteRecorder } from '../ops/metrics.js';
import type { RepairBody, StoryMessages } from './repair.js';

const NO_PINGS = { parse: [] };

/**
 * Reads and writes a story's messages through the interaction's webhook: the token in the journal
 * is all that is needed, so a new process can finish what a dead one started.
 */
export function webhookStoryMessages(rest: REST, recorder?: DiscordWriteRecorder): StoryMessages {
	const counted = async (kind: 'create' | 'edit', write: () => Promise<unknown>): Promise<void> => {
		try {
			await write();
			recorder?.discordWrite(kind, 'ok');
		} catch (error) {
			recorder?.discordWrite(kind, error instanceof DiscordAPIError && error.status === 429 ? 'rate_limited' : 'error');
			throw error;
		}
	};
	return {
		async fetch(entry, messageId) {
			const message = (await rest.get(Routes.webhookMessage(entry.applicationId, entry.token, messageId), { auth: false })) as {
				content?: string;
				components?: unknown[];
			};
			return { content: message.content ?? '', hasComponents: (message.components?.length ?? 0) > 0 };
		},
		edit: (entry, messageId, body) =>
			counted('edit', () => rest.patch(Routes.webhookMessage(entry.applicationId, entry.token, messageId), { auth: false, body: payload(body) })),
		followUp: (entry, body) =>
			counted('create', () =>
				rest.post(Routes.webhook(entry.applicationId, entry.token), {
					auth: false,
					body: { ...payload(body), ...(entry.private ? { flags: MessageFlags.Ephemeral } : {}) },
				}),
			),
	};
}

function payload(body: RepairBody) {
	return { content: body.content, components: body.components, allowed_mentions: NO_PINGS };
}
