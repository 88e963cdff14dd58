import { afterEach, describe, expect, it } from 'vitest';
import { DEPLOY_ENTRY, startBot } from '../support/bot-process.js';
import { faults, proseEvents, sseScript } from '../support/fake-convai.js';
import { finalContents, startHarness, writesToFirstMessage, storyText, WRITING_MARKER_TEXT, type Harness } from '../support/harness.js';

describe('bot lifecycle end to end', () => {
	let harness: Harness | undefined;
	afterEach(async () => {
		await harness?.close();
		harness = undefined;
	});

	it('stops start-up with one clear line when configuration is missing or invalid', async () => {
		const bot = startBot({ DISCORD_TOKEN: '', EDIT_INTERVAL_MS: 'soon' });
		const code = await bot.exited;
		expect(code).toBe(1);
		expect(bot.lines).toEqual([
			'Configuration error: DISCORD_TOKEN is missing: set it to the bot token from the Discord Developer Portal (see .env.example).',
			'Configuration error: EDIT_INTERVAL_MS is invalid: expected a whole number of milliseconds from 250 to 10000.',
		]);
	});

	it('skips command registration when the commands are already up to date', async () => {
		harness = await startHarness();
		expect(harness.discord.commands.putCount).toBe(1);
		await harness.restartBot();
		expect(harness.discord.commands.putCount).toBe(1);
		expect(harness.bot.logs().some((entry) => entry.msg === 'slash commands already up to date')).toBe(true);
	});

	it('registers the commands on demand with npm run deploy-commands, even when unchanged', async () => {
		harness = await startHarness();
		const before = harness.discord.commands.putCount;
		const deploy = startBot(
			{ DISCORD_API_URL: harness.discord.apiUrl, DISCORD_GUILD_ID: '1100000000000000001' },
			{ entry: DEPLOY_ENTRY },
		);
		expect(await deploy.exited).toBe(0);
		expect(harness.discord.commands.putCount).toBe(before + 1);
		expect(deploy.logs().some((entry) => entry.msg === 'slash commands registered')).toBe(true);
	});

	it('ends a stalled stream with a timed-out notice and keeps the text so far', async () => {
		harness = await startHarness({ env: { CONVAI_IDLE_TIMEOUT_MS: '500' } });
		const story = proseEvents({ seed: 3, minChars: 400, maxChars: 500 });
		harness.scriptFor('Stalled', faults.stallAfterEvents(story.events, 10));
		const interaction = await harness.backstory('Stalled', 'Anyone.');
		const shown = storyText(harness.discord, interaction, '📜 **Stalled**\n');
		expect(shown).toBe(`${story.events.slice(0, 10).join('')}\n\n*timed out: Convai stopped sending text*`);
		await harness.convai.allClosed();
	});

	it('ends a story that outlasts CONVAI_TOTAL_TIMEOUT_MS with a notice and closes the request', async () => {
		harness = await startHarness({ env: { CONVAI_TOTAL_TIMEOUT_MS: '1500' } });
		const story = proseEvents({ seed: 4, minChars: 3_000, maxChars: 3_200 });
		harness.scriptFor('Endless', sseScript(story.events, { delayMs: 100, chunkSize: 40 }));
		const interaction = await harness.backstory('Endless', 'Anyone.');
		const notice = '\n\n*timed out: the backstory took too long to write*';
		const shown = storyText(harness.discord, interaction, '📜 **Endless**\n');
		expect(shown.endsWith(notice)).toBe(true);
		expect(story.text.startsWith(shown.slice(0, -notice.length))).toBe(true);
		await harness.convai.allClosed();
		expect(harness.convai.requests.at(-1)!.endedBy).toBe('client');
	});

	it('on SIGTERM finishes every running story with a restart notice, closes upstream, exits 0 within 10 s', async () => {
		harness = await startHarness();
		const { discord, convai } = harness;
		const story = proseEvents({ seed: 9, minChars: 3_000, maxChars: 3_500 });
		harness.scriptFor('Restarted', sseScript(story.events, { delayMs: 60, chunkSize: 60 }));
		const interactions = [1, 2].map(() => harness!.startBackstory('Restarted', 'Anyone.'));
		await discord.waitFor(
			() => interactions.every((interaction) => writesToFirstMessage(discord, interaction) >= 2),
			10_000,
		);
		const stoppedAt = Date.now();
		const code = await harness.bot.stop('SIGTERM');
		expect(code).toBe(0);
		expect(Date.now() - stoppedAt).toBeLessThan(10_000);
		for (const interaction of interactions) {
			const contents = finalContents(discord, interaction);
			expect(contents.at(-1)).toMatch(/\*interrupted: the bot is restarting\*$/);
			for (const content of contents) expect(content).not.toContain(WRITING_MARKER_TEXT);
			const shown = storyText(discord, interaction, '📜 **Restarted**\n').replace(/\n\n\*interrupted: the bot is restarting\*$/, '');
			expect(story.text.startsWith(shown)).toBe(true);
		}
		await convai.allClosed(1_000);
		expect(convai.requests.every((request) => request.endedBy === 'client')).toBe(true);
	});
});
