import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FAKE_CONVAI_KEY, FAKE_TOKEN } from '../support/bot-process.js';
import { faults, proseEvents, sseScript } from '../support/fake-convai.js';
import type { Interaction } from '../support/fake-discord/index.js';
import { allStates, finalContents, writesToFirstMessage, startHarness, storyText, WRITING_MARKER_TEXT, type Harness } from '../support/harness.js';

const LIMIT = 2_000;
const headerOf = (name: string) => `📜 **${name}**\n`;

describe('/backstory end to end (built bot, fake Discord, fake Convai)', () => {
	let harness: Harness;

	beforeAll(async () => {
		harness = await startHarness();
	});
	afterAll(async () => {
		await harness?.close();
	});

	it('registers the slash command in the configured server', () => {
		const registered = harness.discord.commands.guild.get('1100000000000000001') as Array<{ name: string; options: unknown[] }>;
		expect(registered.map((command) => command.name)).toContain('backstory');
		expect(harness.discord.violations).toEqual([]);
	});

	it('defers at once and streams a long story into the reply and follow-ups, exactly', async () => {
		const { discord, convai } = harness;
		const story = proseEvents({ seed: 7, minChars: 4_500, maxChars: 5_000 });
		harness.scriptFor('Mindy', sseScript(story.events, { delayMs: 5, splitAt: 'random', chunkSize: 64, seed: 3 }));

		// Input is trimmed before it reaches Convai.
		const interaction = await harness.backstory('  Mindy ', ' Lawyer in New York City. Achiever. Stubborn.  ');

		// Acknowledged with a deferred reply well inside Discord's 3 s.
		expect(interaction.callback?.type).toBe(5);
		expect(interaction.callback!.at - interaction.createdAt).toBeLessThan(3_000);
		// The upstream got the documented request.
		const request = convai.requests.at(-1)!;
		expect(request.form).toEqual({ charName: 'Mindy', inputText: 'Lawyer in New York City. Achiever. Stubborn.' });
		expect(request.headers['convai-api-key']).toBe(FAKE_CONVAI_KEY);
		expect(request.headers.accept).toBe('text/event-stream');

		const messages = discord.messagesOf(interaction.id);
		expect(messages.length).toBeGreaterThanOrEqual(3);
		expect(storyText(discord, interaction, headerOf('Mindy'))).toBe(story.text);
		for (const state of allStates(messages)) {
			expect(state.content.length).toBeLessThanOrEqual(LIMIT);
			expect(state.content.trim()).not.toBe('');
			expect(state.allowedMentions).toMatchObject({ parse: [] });
		}
		for (const content of finalContents(discord, interaction)) expect(content).not.toContain(WRITING_MARKER_TEXT);
		// It was really streamed: the first message was edited several times while the text grew.
		const firstMessageStates = allStates([messages[0]!]);
		expect(firstMessageStates.length).toBeGreaterThan(2);
		expect(firstMessageStates[0]!.content).toContain(WRITING_MARKER_TEXT);
		expect(discord.violations).toEqual([]);
		await convai.allClosed();
	});

	it('cannot ping anyone, whatever the story or the name contains', async () => {
		const { discord } = harness;
		const story = proseEvents({ seed: 11, minChars: 2_500, maxChars: 3_000, discordExtras: true });
		expect(story.text).toContain('@everyone');
		harness.scriptFor('@everyone *Zed*', sseScript(story.events, { splitAt: 'random', seed: 5 }));

		const interaction = await harness.backstory('@everyone *Zed*', 'A <@&234567890123456789> sneak.');

		const states = allStates(discord.messagesOf(interaction.id));
		expect(states.length).toBeGreaterThan(0);
		for (const state of states) expect(state.mentions).toEqual({ users: [], roles: [], everyone: false });
		// Markdown in the name is escaped in the header; the story itself is kept as written.
		expect(finalContents(discord, interaction)[0]).toMatch(/^📜 \*\*@everyone \\\*Zed\\\*\*\*\n/);
		expect(storyText(discord, interaction, '📜 **@everyone \\*Zed\\***\n')).toBe(story.text);
	});

	it.each([
		['a blank name', '   ', 'A knight.', 'name'],
		['a description of control characters', 'Ann', '\u0007\u0008\u001b', 'description'],
	])('answers %s with a short private explanation and no upstream call', async (_case, name, description, field) => {
		const { discord, convai } = harness;
		const before = convai.requests.length;
		const interaction = discord.sendCommand({
			name: 'backstory',
			guildId: '1100000000000000001',
			options: [
				{ name: 'name', type: 3, value: name },
				{ name: 'description', type: 3, value: description },
			],
		});
		await discord.waitFor(() => interaction.callback !== undefined);
		expect(interaction.callback!.type).toBe(4);
		expect(interaction.callback!.data.flags & 64).toBe(64);
		expect(interaction.callback!.data.content).toContain(field);
		expect(interaction.callback!.data.allowed_mentions).toMatchObject({ parse: [] });
		expect(convai.requests.length).toBe(before);
	});

	it('tells the server owner to check the key when Convai rejects it, without leaking secrets', async () => {
		const { discord } = harness;
		harness.scriptFor('Keyless', faults.json(401, { ERROR: 'Invalid API key provided.' }));
		const interaction = await harness.backstory('Keyless', 'Anyone.');
		const [content] = finalContents(discord, interaction);
		expect(content).toContain('CONVAI_API_KEY');
		expect(content).toContain('plan');
		expect(content).not.toMatch(/at .*\.js:\d+/);
		const everything = harness.bot.lines.join('\n') + JSON.stringify([...discord.messages.values()]);
		expect(everything).not.toContain(FAKE_CONVAI_KEY);
		expect(everything).not.toContain(FAKE_TOKEN);
	});

	it.each([
		['403 plan not allowed', faults.forbidden(), /CONVAI_API_KEY.*plan/s],
		['429 busy', faults.rateLimited(), /busy/],
		['500 HTML page', faults.htmlPage(500), /unavailable/],
		['200 with a JSON error', faults.json(200, { API_ERROR: 'Character name is not allowed.' }), /Character name is not allowed/],
	])('shows a clear error for %s', async (label, script, expected) => {
		const name = `Fault ${label}`.slice(0, 40);
		harness.scriptFor(name, script);
		const interaction = await harness.backstory(name, 'Anyone.');
		const contents = finalContents(harness.discord, interaction);
		expect(contents).toHaveLength(1);
		expect(contents[0]).toMatch(/^⚠️ /);
		expect(contents[0]).toMatch(expected);
	});

	it('says so when Convai sends back an empty backstory', async () => {
		harness.scriptFor('Blank', sseScript([]));
		const interaction = await harness.backstory('Blank', 'Anyone.');
		expect(finalContents(harness.discord, interaction)).toEqual([
			'⚠️ Convai sent back an empty backstory. Try a different description.',
		]);
	});

	it('answers a command the bot no longer has instead of failing the interaction', async () => {
		const { discord } = harness;
		const interaction = discord.sendCommand({ name: 'retired', guildId: '1100000000000000001' });
		await discord.waitFor(() => interaction.callback !== undefined);
		expect(interaction.callback!.type).toBe(4);
		expect(interaction.callback!.data.flags & 64).toBe(64);
		expect(interaction.callback!.data.content).toBe('This is not known to the bot any more.');
	});

	it('answers a command it cannot handle (a stale registration without the required name) with the generic private answer, and logs it', async () => {
		const { discord, bot } = harness;
		const interaction = discord.sendCommand({
			name: 'backstory',
			guildId: '1100000000000000001',
			options: [{ name: 'description', type: 3, value: 'A character.' }],
		});
		await discord.waitFor(() => interaction.callback !== undefined);
		expect(interaction.callback!.type).toBe(4);
		expect(interaction.callback!.data.flags & 64).toBe(64);
		expect(interaction.callback!.data.content).toBe('Something went wrong while running this command. It has been logged; please try again in a moment.');
		expect(interaction.callback!.data.allowed_mentions).toMatchObject({ parse: [] });
		await bot.waitForLog((entry) => entry.msg === 'command failed' && entry['interactionId'] === interaction.id);
	});

	it('keeps the text so far and says so when the connection drops mid-stream', async () => {
		const { discord, convai } = harness;
		const story = proseEvents({ seed: 21, minChars: 2_400, maxChars: 2_600 });
		const script = faults.dropAfterBytes(story.events, 1_500);
		harness.scriptFor('Dropped', script);
		const interaction = await harness.backstory('Dropped', 'Anyone.');

		const shown = storyText(discord, interaction, headerOf('Dropped'));
		const notice = '\n\n*interrupted: the connection to Convai dropped*';
		expect(shown.endsWith(notice)).toBe(true);
		const partial = shown.slice(0, -notice.length);
		expect(partial.length).toBeGreaterThan(800);
		expect(story.text.startsWith(partial)).toBe(true);
		for (const content of finalContents(discord, interaction)) expect(content).not.toContain(WRITING_MARKER_TEXT);
		await convai.allClosed();
	});

	it('delivers every event even when Convai drips one byte at a time with CRLF, a BOM and no final blank line', async () => {
		const story = proseEvents({ seed: 5, minChars: 300, maxChars: 400, discordExtras: true });
		harness.scriptFor('Drip', sseScript(story.events, { splitAt: 'every-byte', lineEnding: '\r\n', bom: true, terminateLastEvent: false }));
		const interaction = await harness.backstory('Drip', 'Anyone.');
		expect(storyText(harness.discord, interaction, headerOf('Drip'))).toBe(story.text);
	});

	it.each([
		['the reply is deleted', 'Deleted', 31, (h: Harness, interaction: Interaction) => h.discord.deleteMessage(h.discord.messagesOf(interaction.id)[0]!.id)],
		['the interaction token expires', 'Expired', 41, (h: Harness, interaction: Interaction) => h.discord.expireToken(interaction.token)],
	])('stops streaming and closes the upstream when %s', async (_case, name, seed, breakReply) => {
		const { discord, convai } = harness;
		const story = proseEvents({ seed, minChars: 3_000, maxChars: 3_200 });
		harness.scriptFor(name, sseScript(story.events, { delayMs: 40, chunkSize: 60 }));
		const interaction = harness.startBackstory(name, 'Anyone.');
		await discord.waitFor(() => writesToFirstMessage(discord, interaction) >= 2, 10_000);
		const requestsBefore = discord.requests.length;
		breakReply(harness, interaction);
		const finished = await harness.finished(interaction);
		expect(finished.outcome).toBe('lost');
		await convai.allClosed(2_000);
		expect(convai.requests.at(-1)!.endedBy).toBe('client');
		// One failed write is all it takes to stop: no retry storm against a message that is gone.
		const later = discord.requests.slice(requestsBefore).filter((request) => request.token === interaction.token);
		expect(later.length).toBeLessThanOrEqual(2);
	});

	it('absorbs Discord 429s and 5xx on edits without losing or duplicating text', async () => {
		const { discord } = harness;
		const story = proseEvents({ seed: 51, minChars: 4_000, maxChars: 4_400 });
		harness.scriptFor('Flaky', sseScript(story.events, { delayMs: 15 }));
		const isEdit = (request: { method: string; path: string }) => request.method === 'PATCH' && request.path.startsWith('/webhooks/');
		discord.failNextRequests(isEdit, { status: 429, retryAfterMs: 300 }, 2);
		discord.failNextRequests(isEdit, { status: 502, code: 0, message: 'Bad Gateway' }, 2);
		const interaction = await harness.backstory('Flaky', 'Anyone.');
		expect(storyText(discord, interaction, headerOf('Flaky'))).toBe(story.text);
		expect(discord.requests.filter((request) => request.status === 429 || request.status === 502).length).toBeGreaterThanOrEqual(3);
		for (const content of finalContents(discord, interaction)) expect(content).not.toContain(WRITING_MARKER_TEXT);
		expect(discord.violations).toEqual([]);
	});

	it('keeps serving commands after all of the faults above', async () => {
		const story = proseEvents({ seed: 61, minChars: 500, maxChars: 600 });
		harness.scriptFor('After', sseScript(story.events));
		const interaction = await harness.backstory('After', 'Anyone.');
		expect(storyText(harness.discord, interaction, headerOf('After'))).toBe(story.text);
		expect(harness.bot.child.exitCode).toBeNull();
	});
});
