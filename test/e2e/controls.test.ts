import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { proseEvents, sseScript } from '../support/fake-convai.js';
import type { FakeMessage, Interaction } from '../support/fake-discord/index.js';
import { allStates, finalContents, startHarness, storyText, WRITING_MARKER_TEXT, writesToFirstMessage, type Harness } from '../support/harness.js';

const AUTHOR = { id: '1100000000000000003', username: 'tester', globalName: 'Tester' };
const STRANGER = { id: '1200000000000000009', username: 'stranger', globalName: 'Stranger' };
const MODERATOR = { id: '1200000000000000010', username: 'mod', globalName: 'Moderator' };
const MANAGE_MESSAGES = (1n << 13n).toString();

interface Button {
	custom_id: string;
	label: string;
}

function buttonsOn(message: FakeMessage | undefined): Button[] {
	const rows = (message?.components ?? []) as Array<{ components: Button[] }>;
	return rows.flatMap((row) => row.components);
}

describe('Stop, Regenerate and private backstories end to end', () => {
	let harness: Harness;

	beforeAll(async () => {
		harness = await startHarness();
	});
	afterAll(async () => {
		await harness?.close();
	});

	function startSlow(name: string, seed: number, extra: Record<string, unknown> = {}): Interaction {
		const story = proseEvents({ seed, minChars: 3_000, maxChars: 3_400 });
		harness.scriptFor(name, sseScript(story.events, { delayMs: 50, chunkSize: 40 }));
		return harness.startBackstory(name, 'A restless sailor.', {
			user: AUTHOR,
			...(extra.private
				? {
						options: [
							{ name: 'name', type: 3, value: name },
							{ name: 'description', type: 3, value: 'A restless sailor.' },
							{ name: 'private', type: 5, value: true },
						],
					}
				: {}),
		});
	}

	async function stopButtonOf(interaction: Interaction): Promise<{ message: FakeMessage; button: Button }> {
		const { discord } = harness;
		await discord.waitFor(() => writesToFirstMessage(discord, interaction) >= 2, 10_000);
		const message = discord.messagesOf(interaction.id).at(-1)!;
		const button = buttonsOn(message).find((candidate) => candidate.label === 'Stop');
		expect(button).toBeDefined();
		return { message, button: button! };
	}

	it('lets the author stop a story: upstream closed within a second, text kept, marker and buttons gone', async () => {
		const { discord, convai } = harness;
		const interaction = startSlow('Stoppable', 1);
		const { message, button } = await stopButtonOf(interaction);

		const click = discord.sendComponent({ customId: button.custom_id, messageId: message.id, user: AUTHOR });
		await discord.waitFor(() => click.callback !== undefined);
		expect(click.callback!.type).toBe(6);
		expect(click.callback!.at - click.createdAt).toBeLessThan(3_000);
		await harness.finished(interaction);

		const upstream = convai.requests.find((request) => request.form.charName === 'Stoppable')!;
		expect(upstream.endedBy).toBe('client');
		expect(upstream.closedAt! - (performance.timeOrigin + click.createdAt)).toBeLessThan(1_000);
		const contents = finalContents(discord, interaction);
		expect(contents.at(-1)).toMatch(/\n\n\*stopped by Tester\*$/);
		for (const content of contents) expect(content).not.toContain(WRITING_MARKER_TEXT);
		for (const shown of discord.messagesOf(interaction.id)) expect(buttonsOn(shown)).toEqual([]);
		// Everything shown before the stop is still there.
		const story = storyText(discord, interaction, '📜 **Stoppable**\n').replace(/\n\n\*stopped by Tester\*$/, '');
		expect(story.length).toBeGreaterThan(0);
	});

	it('refuses a Stop from someone else, privately, and the story goes on to the end', async () => {
		const { discord } = harness;
		const interaction = startSlow('Guarded', 2);
		const { message, button } = await stopButtonOf(interaction);

		const click = discord.sendComponent({ customId: button.custom_id, messageId: message.id, user: STRANGER });
		await discord.waitFor(() => click.callback !== undefined);
		expect(click.callback!.type).toBe(4);
		expect(click.callback!.data.flags & 64).toBe(64);
		expect(click.callback!.data.content).toMatch(/Only the person who asked for this backstory/);
		expect(click.callback!.data.allowed_mentions).toMatchObject({ parse: [] });

		const finished = await harness.finished(interaction);
		expect(finished.outcome).toBe('complete');
		expect(finalContents(discord, interaction).at(-1)).not.toMatch(/stopped by/);
	});

	it('lets a member with Manage Messages stop someone else\'s story', async () => {
		const { discord } = harness;
		const interaction = startSlow('Moderated', 3);
		const { message, button } = await stopButtonOf(interaction);
		discord.sendComponent({ customId: button.custom_id, messageId: message.id, user: MODERATOR, memberPermissions: MANAGE_MESSAGES });
		await harness.finished(interaction);
		expect(finalContents(discord, interaction).at(-1)).toMatch(/\*stopped by Moderator\*$/);
	});

	it('offers Regenerate when done, which writes a new take as a new reply with the same inputs', async () => {
		const { discord, convai } = harness;
		const first = proseEvents({ seed: 4, minChars: 600, maxChars: 700 });
		harness.scriptFor('Twice', sseScript(first.events));
		const original = await harness.backstory('Twice', 'Keeps a lighthouse.', { user: AUTHOR });
		const last = discord.messagesOf(original.id).at(-1)!;
		const regenerate = buttonsOn(last).find((button) => button.label === 'Regenerate');
		expect(regenerate).toBeDefined();
		const originalContents = finalContents(discord, original);

		const second = proseEvents({ seed: 5, minChars: 600, maxChars: 700 });
		harness.scriptFor('Twice', sseScript(second.events));
		const click = discord.sendComponent({ customId: regenerate!.custom_id, messageId: last.id, user: AUTHOR });
		await harness.finished(click);

		expect(click.callback!.type).toBe(5);
		expect(click.callback!.at - click.createdAt).toBeLessThan(3_000);
		const requests = convai.requests.filter((request) => request.form.charName === 'Twice');
		expect(requests.map((request) => request.form)).toEqual([
			{ charName: 'Twice', inputText: 'Keeps a lighthouse.' },
			{ charName: 'Twice', inputText: 'Keeps a lighthouse.' },
		]);
		expect(storyText(discord, click, '📜 **Twice**\n')).toBe(second.text);
		expect(finalContents(discord, original)).toEqual(originalContents);
	});

	it('answers a stale Stop after a restart, and Regenerate still works after it', async () => {
		const { discord } = harness;
		const interaction = startSlow('Restarted', 6);
		const { message, button } = await stopButtonOf(interaction);
		await harness.restartBot();
		expect(finalContents(discord, interaction).at(-1)).toMatch(/\*interrupted: the bot is restarting\*$/);

		const click = discord.sendComponent({ customId: button.custom_id, messageId: message.id, user: AUTHOR });
		await discord.waitFor(() => click.callback !== undefined);
		expect(click.callback!.type).toBe(4);
		expect(click.callback!.data.flags & 64).toBe(64);
		expect(click.callback!.data.content).toBe('This backstory has already finished.');

		// The prompt was kept in the store, so a Regenerate made before the restart works after it.
		const story = proseEvents({ seed: 8, minChars: 300, maxChars: 400 });
		harness.scriptFor('Restarted', sseScript(story.events));
		const regenerateId = button.custom_id.replace(':stop:', ':regen:');
		const regenerate = discord.sendComponent({ customId: regenerateId, messageId: message.id, user: AUTHOR });
		await harness.finished(regenerate);
		expect(storyText(discord, regenerate, '📜 **Restarted**\n')).toBe(story.text);
	});

	it.each([
		['a Regenerate whose inputs are gone', 'backstory:regen:1100000000000000999:1100000000000000003', 'This backstory is too old to regenerate. Run /backstory again.'],
		['a button id the bot no longer knows', 'backstory:frobnicate:1:2', 'This button is from an older version of the bot and no longer works.'],
	])('answers %s privately instead of failing the interaction', async (_case, customId, expected) => {
		const { discord } = harness;
		harness.scriptFor('Anchor', sseScript(['A message to click on.']));
		const anchor = await harness.backstory('Anchor', 'Anyone.', { user: AUTHOR });
		const click = discord.sendComponent({ customId, messageId: discord.messagesOf(anchor.id)[0]!.id, user: AUTHOR });
		await discord.waitFor(() => click.callback !== undefined);
		expect(click.callback!.type).toBe(4);
		expect(click.callback!.data.flags & 64).toBe(64);
		expect(click.callback!.data.content).toBe(expected);
	});

	it('keeps a private backstory private: the reply and every follow-up are ephemeral, Stop works there', async () => {
		const { discord } = harness;
		const interaction = startSlow('Secret', 9, { private: true });
		await discord.waitFor(() => discord.messagesOf(interaction.id).length >= 2, 15_000);
		const { message, button } = await stopButtonOf(interaction);
		discord.sendComponent({ customId: button.custom_id, messageId: message.id, user: AUTHOR });
		await harness.finished(interaction);

		expect(interaction.callback!.type).toBe(5);
		expect(interaction.callback!.data.flags & 64).toBe(64);
		const messages = discord.messagesOf(interaction.id);
		expect(messages.length).toBeGreaterThanOrEqual(2);
		for (const shown of messages) expect(shown.flags & 64).toBe(64);
		const followUps = discord.requests.filter(
			(request) => request.method === 'POST' && request.path.startsWith('/webhooks/') && request.token === interaction.token,
		);
		expect(followUps.length).toBeGreaterThanOrEqual(1);
		for (const request of followUps) expect(request.body.flags & 64).toBe(64);
		expect(finalContents(discord, interaction).at(-1)).toMatch(/\*stopped by Tester\*$/);
		for (const state of allStates(messages)) expect(state.allowedMentions).toMatchObject({ parse: [] });
		expect(discord.violations).toEqual([]);
	});
});
