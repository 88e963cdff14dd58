import { afterEach, describe, expect, it } from 'vitest';
import { proseEvents, sseScript } from '../support/fake-convai.js';
import type { FakeMessage, Interaction } from '../support/fake-discord/index.js';
import { startHarness, WRITING_MARKER_TEXT, type Harness } from '../support/harness.js';

const RESTART_NOTICE = '\n\n*interrupted: the bot restarted*';
const WRITING_LINE = '\n\n-# ✍️ writing…';

interface Button {
	custom_id: string;
	label: string;
}

function buttonsOn(message: FakeMessage): Button[] {
	return (message.components as Array<{ components: Button[] }>).flatMap((row) => row.components);
}

/** A story long and slow enough to be caught mid-way in its second message. */
function startLongStory(harness: Harness, name: string, seed: number, isPrivate = false, extra: { guildLocale?: string } = {}): Interaction {
	const story = proseEvents({ seed, minChars: 5_000, maxChars: 5_500 });
	harness.scriptFor(name, sseScript(story.events, { delayMs: 60, chunkSize: 80 }));
	const options = [
		{ name: 'name', type: 3, value: name },
		{ name: 'description', type: 3, value: 'A lighthouse keeper.' },
		...(isPrivate ? [{ name: 'private', type: 5, value: true }] : []),
	];
	return harness.startBackstory(name, 'A lighthouse keeper.', { options, ...extra });
}

async function waitForSecondMessageWriting(harness: Harness, interaction: Interaction): Promise<void> {
	await harness.discord.waitFor(() => {
		const messages = harness.discord.messagesOf(interaction.id);
		// Edited at least once since its creation: its id has long reached the journal.
		return messages.length === 2 && messages[1]!.history.length >= 2 && messages[1]!.content.endsWith(WRITING_LINE);
	}, 15_000);
}

describe('crash safety: the run journal end to end', () => {
	let harness: Harness | undefined;
	afterEach(async () => {
		await harness?.close();
		harness = undefined;
	});

	it.each([
		['public', false],
		['private (ephemeral)', true],
	])('after a SIGKILL mid-story (%s), the restarted bot repairs every message of that story within 10 s of ready', async (_kind, isPrivate) => {
		harness = await startHarness();
		const { discord } = harness;
		const interaction = startLongStory(harness, 'Crashed', 21, isPrivate);
		await waitForSecondMessageWriting(harness, interaction);

		await harness.bot.stop('SIGKILL');
		// Let any write the dead process had on the wire land, then take what users saw.
		await new Promise((resolve) => setTimeout(resolve, 300));
		const shownBeforeCrash = discord.messagesOf(interaction.id).map((message) => message.content);
		expect(shownBeforeCrash.length).toBeGreaterThanOrEqual(2);
		expect(shownBeforeCrash.at(-1)).toMatch(/writing…$/);
		const crashedLines = [...harness.bot.lines];

		await harness.restartBot({}, { signal: 'SIGKILL' });
		const readyAt = Date.now();
		await discord.waitFor(() => discord.messagesOf(interaction.id).every((message) => !message.content.includes(WRITING_MARKER_TEXT)), 10_000);
		expect(Date.now() - readyAt).toBeLessThan(10_000);
		// The last repair write may trail the marker's removal from earlier messages.
		await discord.waitFor(() => discord.messagesOf(interaction.id).at(-1)!.content.endsWith(RESTART_NOTICE), 2_000);

		const messages = discord.messagesOf(interaction.id);
		expect(messages).toHaveLength(shownBeforeCrash.length);
		for (const [index, message] of messages.entries()) {
			const shown = shownBeforeCrash[index]!.replace(WRITING_LINE, '');
			const isLast = index === messages.length - 1;
			// Exactly the text it showed: nothing taken back, nothing added but the notice.
			expect(message.content).toBe(isLast ? shown + RESTART_NOTICE : shown);
			const labels = buttonsOn(message).map((button) => button.label);
			expect(labels).not.toContain('Stop');
			expect(labels).toEqual(isLast ? ['Regenerate'] : []);
		}
		expect(buttonsOn(messages.at(-1)!)[0]!.custom_id).toMatch(new RegExp(`^backstory:regen:${interaction.id}:\\d+${isPrivate ? ':p' : ''}$`));
		// A private story stays private: every message keeps the ephemeral flag.
		for (const message of messages) expect((message.flags & 64) !== 0).toBe(isPrivate);
		expect(discord.violations).toEqual([]);
		// The interaction token is a credential: no log line of either process carries it.
		for (const line of [...crashedLines, ...harness.bot.lines]) expect(line).not.toContain(interaction.token);

		// The Regenerate button works: the inputs were kept in the store.
		const regenerate = discord.sendComponent({ customId: buttonsOn(messages.at(-1)!)[0]!.custom_id, messageId: messages.at(-1)!.id });
		const story = proseEvents({ seed: 22, minChars: 300, maxChars: 400 });
		harness.scriptFor('Crashed', sseScript(story.events));
		await harness.finished(regenerate);
	});

	it('a public story in a German server is repaired with the German notice (the language kept in the journal)', async () => {
		harness = await startHarness();
		const { discord } = harness;
		// The author's Discord is English (writing line, buttons); the server's is German.
		const interaction = startLongStory(harness, 'Verloren', 24, false, { guildLocale: 'de' });
		await waitForSecondMessageWriting(harness, interaction);
		await harness.bot.stop('SIGKILL');
		await new Promise((resolve) => setTimeout(resolve, 300));
		const shownBeforeCrash = discord.messagesOf(interaction.id).map((message) => message.content);

		await harness.restartBot({}, { signal: 'SIGKILL' });
		const germanNotice = '\n\n*abgebrochen: der Bot wurde neu gestartet*';
		await discord.waitFor(() => discord.messagesOf(interaction.id).at(-1)!.content.endsWith(germanNotice), 10_000);
		const last = discord.messagesOf(interaction.id).at(-1)!;
		expect(last.content).toBe(shownBeforeCrash.at(-1)!.replace(WRITING_LINE, '') + germanNotice);
		expect(buttonsOn(last).map((button) => button.label)).toEqual(['Regenerate']);
		expect(discord.violations).toEqual([]);
	});

	it('a second process starting on the same store leaves the live process\'s story alone', async () => {
		harness = await startHarness();
		const { discord } = harness;
		const interaction = startLongStory(harness, 'Alive', 23);
		await waitForSecondMessageWriting(harness, interaction);

		const second = await harness.launchAnother();
		// The second process has swept the journal (at ready, then every 2 s) a few times by now.
		await new Promise((resolve) => setTimeout(resolve, 5_000));
		expect(second.logs().some((entry) => String(entry['msg']).includes('repaired'))).toBe(false);

		const finished = await harness.finished(interaction, 30_000);
		expect(finished['outcome']).toBe('complete');
		const states = discord.messagesOf(interaction.id).flatMap((message) => message.history);
		expect(states.some((state) => state.content.includes('interrupted'))).toBe(false);
		const last = discord.messagesOf(interaction.id).at(-1)!;
		expect(buttonsOn(last).map((button) => button.label)).toEqual(['Regenerate']);
		expect(last.content).not.toContain(WRITING_MARKER_TEXT);
	});
});
