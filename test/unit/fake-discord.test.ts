import { once } from 'node:events';
import {
	ActionRowBuilder,
	ButtonBuilder,
	ButtonStyle,
	Client,
	DiscordAPIError,
	Events,
	MessageFlags,
	RESTJSONErrorCodes,
	type AutocompleteInteraction,
	type ButtonInteraction,
	type ChatInputCommandInteraction,
	type Interaction,
} from 'discord.js';
import { afterEach, describe, expect, it } from 'vitest';
import { MessageFlag, startFakeDiscord, type FakeDiscord, type FakeDiscordOptions } from '../support/fake-discord/index.js';

const NO_MENTIONS = { parse: [] };

let fake: FakeDiscord | undefined;
let client: Client | undefined;
const clientErrors: Error[] = [];

afterEach(async () => {
	await client?.destroy();
	await fake?.close();
	client = undefined;
	fake = undefined;
	clientErrors.length = 0;
});

/** Starts the fake and logs a real discord.js client into it. */
async function connect(options?: FakeDiscordOptions): Promise<{ fake: FakeDiscord; client: Client }> {
	fake = await startFakeDiscord(options);
	client = new Client({ intents: [], rest: { api: fake.apiUrl } });
	client.on(Events.Error, (error) => clientErrors.push(error));
	const ready = once(client, Events.ClientReady);
	await client.login('fake-token');
	await ready;
	return { fake, client };
}

function nextInteraction<T extends Interaction>(c: Client): Promise<T> {
	return new Promise((resolve) => c.once(Events.InteractionCreate, (i) => resolve(i as T)));
}

/** Sends /backstory and returns both sides: the fake's record and discord.js' interaction. */
async function command(f: FakeDiscord, c: Client, input: Partial<Parameters<FakeDiscord['sendCommand']>[0]> = {}) {
	const received = nextInteraction<ChatInputCommandInteraction>(c);
	const record = f.sendCommand({ name: 'backstory', options: [{ name: 'character', type: 3, value: 'Ada' }], ...input });
	return { record, interaction: await received };
}

async function rejection(promise: Promise<unknown>): Promise<DiscordAPIError> {
	const error = await promise.then(
		() => undefined,
		(e: unknown) => e,
	);
	expect(error).toBeInstanceOf(DiscordAPIError);
	return error as DiscordAPIError;
}

describe('fake Discord with a real discord.js client', () => {
	it('logs in, registers commands and records a deferred reply, its edits and a follow-up', async () => {
		const { fake, client } = await connect();
		expect(client.user?.id).toBe(fake.botUserId);
		expect(fake.requests[0]).toMatchObject({ method: 'GET', path: '/gateway/bot', status: 200 });

		await client.application!.commands.set([
			{ name: 'backstory', description: 'Write a backstory', options: [{ type: 3, name: 'character', description: 'Who', required: true }] },
		]);
		expect(fake.commands.putCount).toBe(1);
		expect(fake.commands.global).toMatchObject([{ name: 'backstory', application_id: fake.applicationId }]);

		const { record, interaction } = await command(fake, client);
		expect(interaction.isChatInputCommand()).toBe(true);
		expect(interaction.options.getString('character')).toBe('Ada');
		expect(interaction.commandId).toBe((fake.commands.global[0] as { id: string }).id);
		expect(interaction.inGuild()).toBe(true);

		await interaction.deferReply();
		await interaction.editReply({ content: 'Ada was born… <@42>', allowedMentions: NO_MENTIONS });
		const followUp = await interaction.followUp({ content: 'Part two', allowedMentions: NO_MENTIONS, flags: MessageFlags.Ephemeral });
		await interaction.editReply({ message: followUp, content: 'Part two, edited', allowedMentions: NO_MENTIONS });

		const [original, second] = fake.messagesOf(record.id);
		expect(record.callback?.type).toBe(5);
		expect(original?.isOriginal).toBe(true);
		expect(original?.history.map((s) => [s.content, s.flags])).toEqual([
			['', MessageFlag.Loading],
			['Ada was born… <@42>', 0],
		]);
		expect(original?.history[1]?.mentions.users).toEqual([]);
		expect(second?.id).toBe(followUp.id);
		expect(second?.flags).toBe(MessageFlags.Ephemeral);
		expect(second?.history.map((s) => s.content)).toEqual(['Part two', 'Part two, edited']);
		expect(fake.visibleText(record.id)).toBe('Ada was born… <@42>\nPart two, edited');
		expect(record.followUpEditedLoadingOriginal).toBe(false);
		expect(fake.requests.some((r) => r.path.endsWith('/messages/@original') && r.method === 'PATCH')).toBe(true);
		expect(fake.violations).toEqual([]);
	});

	it('re-applies default mentions when an edit omits allowed_mentions', async () => {
		const { fake, client } = await connect();
		const { record, interaction } = await command(fake, client);
		await interaction.deferReply();
		await interaction.editReply({ content: 'hi <@42>' });
		expect(fake.messagesOf(record.id)[0]?.history.at(-1)?.mentions.users).toEqual(['42']);
	});

	it('answers button clicks on a stored message (UPDATE_MESSAGE edits that message)', async () => {
		const { fake, client } = await connect();
		const { record, interaction } = await command(fake, client);
		const row = new ActionRowBuilder<ButtonBuilder>().addComponents(
			new ButtonBuilder().setCustomId('again').setLabel('Again').setStyle(ButtonStyle.Primary),
		);
		await interaction.reply({ content: 'Story', components: [row], allowedMentions: NO_MENTIONS });
		const messageId = record.originalMessageId!;

		const clicked = nextInteraction<ButtonInteraction>(client);
		const click = fake.sendComponent({ customId: 'again', messageId });
		const button = await clicked;
		expect(button.isButton()).toBe(true);
		expect(button.customId).toBe('again');
		expect(button.message.id).toBe(messageId);
		await button.update({ content: 'Story (rewritten)', components: [], allowedMentions: NO_MENTIONS });

		expect(click.callback?.type).toBe(7);
		expect(fake.messages.get(messageId)?.history.map((s) => [s.content, s.components.length])).toEqual([
			['Story', 1],
			['Story (rewritten)', 0],
		]);
		expect(fake.violations).toEqual([]);
	});

	it('fills the loading original when a follow-up comes right after a defer (Discord quirk)', async () => {
		const { fake, client } = await connect();
		const { record, interaction } = await command(fake, client);
		await interaction.deferReply({ flags: MessageFlags.Ephemeral });
		const first = await interaction.followUp({ content: 'First', allowedMentions: NO_MENTIONS });
		const second = await interaction.followUp({ content: 'Second', allowedMentions: NO_MENTIONS });

		expect(first.id).toBe(record.originalMessageId);
		expect(record.followUpEditedLoadingOriginal).toBe(true);
		expect(fake.messages.get(first.id)?.flags).toBe(MessageFlags.Ephemeral);
		expect(second.id).not.toBe(first.id);
		expect(fake.messagesOf(record.id).map((m) => m.content)).toEqual(['First', 'Second']);
		expect(fake.requests.find((r) => r.method === 'POST' && r.path.startsWith('/webhooks/'))?.note).toMatch(/quirk/);
	});

	it('rate-limits per interaction token like Discord, and discord.js waits and retries', async () => {
		const { fake, client } = await connect({ rateLimit: { limit: 2, windowMs: 300 } });
		const { record, interaction } = await command(fake, client);
		await interaction.deferReply();
		await interaction.editReply({ content: 'one', allowedMentions: NO_MENTIONS });
		const followUp = await interaction.followUp({ content: 'two', allowedMentions: NO_MENTIONS });
		await interaction.editReply({ message: followUp, content: 'two, edited', allowedMentions: NO_MENTIONS });
		await interaction.editReply({ content: 'one, edited', allowedMentions: NO_MENTIONS });

		const webhookCalls = fake.requests.filter((r) => r.token === record.token && r.path.startsWith('/webhooks/'));
		expect(webhookCalls.some((r) => r.status === 429)).toBe(true);
		expect(webhookCalls.filter((r) => r.status === 200)).toHaveLength(4);
		expect(fake.visibleText(record.id)).toBe('one, edited\ntwo, edited');
		// Never more than `limit` accepted writes inside any window.
		const accepted = webhookCalls.filter((r) => r.status === 200).map((r) => r.at);
		for (let i = 2; i < accepted.length; i++) expect(accepted[i]! - accepted[i - 2]!).toBeGreaterThanOrEqual(300);
	});

	it('sends Discord rate-limit headers and 429 bodies', async () => {
		const { fake, client } = await connect({ rateLimit: { limit: 2, windowMs: 1_000 } });
		const { record, interaction } = await command(fake, client);
		await interaction.deferReply();
		const url = `${fake.apiUrl}/v10/webhooks/${fake.applicationId}/${record.token}/messages/%40original`;
		const get = () => fetch(url);
		const first = await get();
		const second = await get();
		const third = await get();
		expect(first.headers.get('x-ratelimit-remaining')).toBe('1');
		expect(second.headers.get('x-ratelimit-remaining')).toBe('0');
		expect(Number(second.headers.get('x-ratelimit-reset-after'))).toBeGreaterThan(0);
		expect(third.status).toBe(429);
		expect(third.headers.get('retry-after')).toBe('1');
		expect(third.headers.get('x-ratelimit-scope')).toBe('user');
		expect(third.headers.get('x-ratelimit-bucket')).toBe(first.headers.get('x-ratelimit-bucket'));
		const body = (await third.json()) as { retry_after: number; global: boolean; message: string };
		expect(body).toMatchObject({ message: 'You are being rate limited.', global: false });
		expect(body.retry_after).toBeGreaterThan(0);
		expect(body.retry_after).toBeLessThanOrEqual(1);
		await Promise.all([first.body?.cancel(), second.body?.cancel()]);
	});

	it('injects failures: a 500 is retried by discord.js, a 404 surfaces', async () => {
		const { fake, client } = await connect();
		const { interaction } = await command(fake, client);
		await interaction.deferReply();
		const isEdit = (r: { method: string; path: string }) => r.method === 'PATCH' && r.path.endsWith('/@original');

		fake.failNextRequests(isEdit, { status: 500 });
		await interaction.editReply({ content: 'survived', allowedMentions: NO_MENTIONS });
		expect(fake.requests.filter(isEdit).map((r) => r.status)).toEqual([500, 200]);

		fake.failNextRequests(isEdit, { status: 404, code: RESTJSONErrorCodes.UnknownMessage, message: 'Unknown Message' });
		const error = await rejection(interaction.editReply({ content: 'lost', allowedMentions: NO_MENTIONS }));
		expect(error.code).toBe(RESTJSONErrorCodes.UnknownMessage);
	});

	it('answers 10008 after the message is deleted and 50027 after the token expired', async () => {
		const { fake, client } = await connect();
		const a = await command(fake, client);
		await a.interaction.deferReply();
		fake.deleteMessage(a.record.originalMessageId!);
		const deleted = await rejection(a.interaction.editReply({ content: 'x', allowedMentions: NO_MENTIONS }));
		expect([deleted.status, deleted.code]).toEqual([404, RESTJSONErrorCodes.UnknownMessage]);

		const b = await command(fake, client);
		await b.interaction.deferReply();
		fake.expireToken(b.record.token);
		const expired = await rejection(b.interaction.followUp({ content: 'x', allowedMentions: NO_MENTIONS }));
		expect([expired.status, expired.code]).toEqual([401, RESTJSONErrorCodes.InvalidWebhookToken]);

		const c = await command(fake, client);
		await c.interaction.reply({ content: 'bye', allowedMentions: NO_MENTIONS });
		await c.interaction.deleteReply();
		expect(fake.messages.get(c.record.originalMessageId!)?.deleted).toBe(true);
		const gone = await rejection(c.interaction.fetchReply());
		expect(gone.code).toBe(RESTJSONErrorCodes.UnknownMessage);
	});

	it('caps follow-ups at 5 for a user-installed app (40094)', async () => {
		const { fake, client } = await connect();
		const { interaction } = await command(fake, client, { installation: 'user' });
		await interaction.deferReply();
		await interaction.editReply({ content: 'original', allowedMentions: NO_MENTIONS });
		for (let i = 0; i < 5; i++) await interaction.followUp({ content: `part ${i}`, allowedMentions: NO_MENTIONS });
		const capped = await rejection(interaction.followUp({ content: 'one too many', allowedMentions: NO_MENTIONS }));
		expect(capped.code).toBe(RESTJSONErrorCodes.ThisInteractionHasHitTheMaximumNumberOfFollowUpMessages);
	});

	it('rejects content over 2000 characters, invalid bodies and empty messages, and records them', async () => {
		const { fake, client } = await connect();
		const { record, interaction } = await command(fake, client);
		await interaction.deferReply();

		const tooLong = await rejection(interaction.editReply({ content: 'x'.repeat(2001), allowedMentions: NO_MENTIONS }));
		expect(tooLong.code).toBe(RESTJSONErrorCodes.InvalidFormBodyOrContentType);
		expect(tooLong.rawError).toMatchObject({
			message: 'Invalid Form Body',
			errors: { content: { _errors: [{ code: 'BASE_TYPE_MAX_LENGTH', message: 'Must be 2000 or fewer in length.' }] } },
		});

		const bogus = await rejection(
			interaction.editReply({ content: 'x', allowedMentions: { parse: ['bogus' as 'users'] } }),
		);
		expect(bogus.code).toBe(50035);

		const empty = await rejection(interaction.editReply({ content: '', allowedMentions: NO_MENTIONS }));
		expect(empty.code).toBe(50006);

		expect(fake.violations.map((v) => v.kind)).toEqual(['schema', 'schema', 'empty-message']);
		expect(fake.violations[1]?.body).toMatchObject({ allowed_mentions: { parse: ['bogus'] } });
		// None of the rejected writes reached the user.
		expect(fake.messagesOf(record.id)[0]?.history).toHaveLength(1);
	});

	it('reports routes Discord does not have', async () => {
		const { fake, client } = await connect();
		const error = await rejection(client.rest.get('/users/@me/nonsense'));
		expect(error.status).toBe(404);
		expect(fake.violations).toMatchObject([{ kind: 'unexpected-route', path: '/users/@me/nonsense' }]);
	});

	it('answers a late callback with 10062 Unknown interaction', async () => {
		const { fake, client } = await connect({ callbackDeadlineMs: 50 });
		const { interaction } = await command(fake, client);
		await new Promise((r) => setTimeout(r, 80));
		const error = await rejection(interaction.deferReply());
		expect(error.code).toBe(RESTJSONErrorCodes.UnknownInteraction);
	});

	it('records autocomplete choices, DM interactions, attachments and with_response callbacks', async () => {
		const { fake, client } = await connect();

		const asked = nextInteraction<AutocompleteInteraction>(client);
		const auto = fake.sendAutocomplete({ name: 'backstory', options: [{ name: 'character', type: 3, value: 'Ad', focused: true }] });
		const autocomplete = await asked;
		expect(autocomplete.options.getFocused()).toBe('Ad');
		await autocomplete.respond([{ name: 'Ada', value: 'ada' }]);
		expect(auto.autocompleteChoices).toEqual([{ name: 'Ada', value: 'ada' }]);

		const dm = await command(fake, client, { guildId: null, user: { id: '1100000000000000099', username: 'dmuser' } });
		expect(dm.interaction.inGuild()).toBe(false);
		expect(dm.interaction.user.id).toBe('1100000000000000099');
		const response = await dm.interaction.deferReply({ withResponse: true });
		expect(response.resource?.message?.id).toBe(dm.record.originalMessageId);
		const files = [{ attachment: Buffer.from('hello'), name: 'story.txt' }];
		await dm.interaction.editReply({ content: 'see file', files, allowedMentions: NO_MENTIONS });
		const [attachment] = fake.messages.get(dm.record.originalMessageId!)!.attachments;
		expect(attachment).toMatchObject({ filename: 'story.txt', size: 5 });
		expect(attachment?.data?.toString()).toBe('hello');
		expect(fake.violations).toEqual([]);
	});

	it('lets discord.js resume after the gateway drops, replaying what it missed', async () => {
		const { fake, client } = await connect();
		fake.disconnectGateway();
		const received = nextInteraction<ChatInputCommandInteraction>(client);
		// Sent while disconnected: Discord keeps it for the resumed session.
		fake.sendCommand({ name: 'backstory', options: [] });
		await fake.waitForReady();
		expect((await received).commandName).toBe('backstory');
		expect(fake.identifies).toHaveLength(1);
	});

	it('waitFor rejects with the recent requests when the state never arrives', async () => {
		const { fake } = await connect();
		await expect(fake.waitFor(() => false, 50)).rejects.toThrow(/GET \/gateway\/bot -> 200/);
		expect(clientErrors).toEqual([]);
	});
});
