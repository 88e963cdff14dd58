/**
 * The fault matrix: one end-to-end run per row of the README's "What happens when ..." table that
 * backstory.test.ts and lifecycle.test.ts do not already cover. Every row checks the same promises:
 * the text is exact (or an exact prefix plus a notice), nothing shown is ever taken back, no message
 * keeps the "writing…" marker, the upstream request is closed, and the bot serves the next command.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { proseEvents, sseScript, type FakeConvai } from '../support/fake-convai.js';
import { contentAt, finalTextAt, writesOf, type FakeDiscord, type Interaction } from '../support/fake-discord/index.js';
import { finalContents, sendBackstory, startHarness, storyText, WRITING_MARKER_TEXT, writesToFirstMessage, type Harness, type HarnessOptions } from '../support/harness.js';

const headerOf = (name: string) => `📜 **${name}**\n`;
const RESTART_NOTICE = '\n\n*interrupted: the bot is restarting*';
const isWebhookWrite = (request: { method: string; path: string }) =>
	request.path.startsWith('/webhooks/') && (request.method === 'PATCH' || request.method === 'POST');
const userFor = (index: number) => ({ id: String(1_200_000_000_000_000_000n + BigInt(index)), username: `user${index}` });

let harness: Harness | undefined;
afterEach(async () => {
	await harness?.close();
	harness = undefined;
});

/**
 * The character store has its own outage tests; here a slow SQLite under fifty saves at once must not
 * add a private "could not be saved" note after a story and make a streaming row flaky.
 */
async function start(options: HarnessOptions = {}): Promise<Harness> {
	harness = await startHarness({ ...options, env: { STORE_URL: 'memory://', ...options.env } });
	return harness;
}

/** Text as shown at each moment must only ever grow toward the final text (the marker aside). */
function expectNothingShownTakenBack(discord: FakeDiscord, interaction: Interaction): void {
	const messages = discord.messagesOf(interaction.id);
	const strip = (content: string) => content.replace(/\n\n-# ✍️ writing…$/, '');
	const final = messages.map((message) => strip(message.content)).join('');
	for (const t of messages.flatMap((message) => writesOf(message).map((state) => state.at))) {
		const shown = messages.map((message) => strip(contentAt(message, t) ?? '')).join('');
		expect(final.startsWith(shown), `text shown at ${t.toFixed(0)} ms was later taken back`).toBe(true);
	}
}

function expectDelivered(discord: FakeDiscord, interaction: Interaction, name: string, text: string): void {
	expect(storyText(discord, interaction, headerOf(name))).toBe(text);
	for (const content of finalContents(discord, interaction)) expect(content).not.toContain(WRITING_MARKER_TEXT);
	expectNothingShownTakenBack(discord, interaction);
}

/** How much later than the bot sent it a write may reach the fake Discord on a loaded 2-core machine. */
const TRANSIT_JITTER_MS = 250;

/** From the upstream's last byte to the whole final text being visible in Discord. */
function finalLagMs(discord: FakeDiscord, convai: FakeConvai, interaction: Interaction, name: string): number {
	const ended = convai.requests.find((request) => request.form['charName'] === name)?.clock.ended;
	const visible = finalTextAt(discord.messagesOf(interaction.id));
	if (ended === undefined || visible === undefined) throw new Error(`${name}: upstream end or final text missing`);
	return visible - ended;
}

/** After any fault, the next command must still get its whole story. */
async function expectServesNext(h: Harness): Promise<void> {
	const story = proseEvents({ seed: 999, minChars: 300, maxChars: 400 });
	h.scriptFor('Next', sseScript(story.events, { splitAt: 'event', delayMs: 2 }));
	const interaction = await h.backstory('Next', 'Anyone.');
	expectDelivered(h.discord, interaction, 'Next', story.text);
	expect(h.bot.child.exitCode).toBeNull();
	await h.convai.allClosed(2_000);
}

describe('fault matrix (built bot, fake Discord with its default 5 per 2 s limiter, fake Convai)', () => {
	it('Convai: CR-only line endings, multi-line data and characters split across writes give the exact text', async () => {
		const { discord, convai } = await start();
		const prose = proseEvents({ seed: 71, minChars: 1_500, maxChars: 2_000, discordExtras: true });
		// Events that span several `data:` lines (the parser joins them with \n), as well as prose paragraphs.
		const events = [...prose.events.slice(0, 20), '\nA line\nand the next', ...prose.events.slice(20)];
		const text = events.join('');
		const script = sseScript(events, { lineEnding: '\r', splitAt: 'random', chunkSize: 9, seed: 4, delayMs: 1 });
		const writes = script.body!.flatMap((step) => ('write' in step ? [Buffer.from(step.write)] : []));
		// The script really cuts characters and line endings apart, or this row proves nothing.
		expect(writes.filter((_, i) => ((writes[i + 1]?.[0] ?? 0) & 0xc0) === 0x80).length).toBeGreaterThan(10);
		expect(writes.filter((chunk) => chunk.at(-1) === 0x0d).length).toBeGreaterThan(5);
		harness!.scriptFor('Carriage', script);

		const interaction = await harness!.backstory('Carriage', 'Anyone.');

		expectDelivered(discord, interaction, 'Carriage', text);
		expect(discord.violations).toEqual([]);
		await convai.allClosed();
		await expectServesNext(harness!);
	});

	it('Discord limiter: 20 replies at EDIT_INTERVAL_MS=1200 never get a 429 and keep the interval per reply', async () => {
		const { discord, convai } = await start({ env: { EDIT_INTERVAL_MS: '1200' } });
		const runs = Array.from({ length: 20 }, (_, index) => {
			const name = `Paced ${index}`;
			const story = proseEvents({ seed: 200 + index, minChars: 2_000, maxChars: 3_000 });
			harness!.scriptFor(name, sseScript(story.events, { splitAt: 'event', delayMs: 15, jitter: 0.5, seed: index }));
			return { name, story, interaction: sendBackstory(discord, name, 'Anyone.', { user: userFor(index) }) };
		});
		await Promise.all(runs.map((run) => harness!.finished(run.interaction)));

		expect(discord.requests.filter((request) => request.status === 429)).toEqual([]);
		for (const { name, story, interaction } of runs) {
			expectDelivered(discord, interaction, name, story.text);
			// Ordinary edits keep one per interval per reply, measured where Discord sees them (the transit
			// jitter of a loaded machine allowed: without pacing they would come an event apart, 15 ms). A new
			// message follows the freeze of the one it continues at once, and the writes after the upstream's
			// end (the final text) go as soon as the reply's budget allows, never more than 4 in any 2 s
			// (Discord allows 5).
			const writes = discord.requests.filter((r) => r.token === interaction.token && isWebhookWrite(r));
			const ended = convai.requests.find((request) => request.form['charName'] === name)!.clock.ended!;
			for (let i = 1; i < writes.length; i++) {
				const gap = writes[i]!.at - writes[i - 1]!.at;
				if (writes[i]!.method === 'PATCH' && writes[i]!.at < ended) expect(gap).toBeGreaterThan(1_200 - TRANSIT_JITTER_MS);
				if (i >= 4) expect(writes[i]!.at - writes[i - 4]!.at).toBeGreaterThan(2_000 - TRANSIT_JITTER_MS);
			}
			// No backlog and no waiting for the interval: the final text follows the upstream's end well
			// within one interval; the margin absorbs a loaded CI machine.
			expect(finalLagMs(discord, convai, interaction, name)).toBeLessThan(1_000);
		}
		expect(discord.violations).toEqual([]);
		await convai.allClosed();
		await expectServesNext(harness!);
	});

	it('Discord 429 storm: 40 forced 429s across 10 streaming replies are waited out, every text exact', async () => {
		const { discord, convai } = await start();
		discord.failNextRequests(isWebhookWrite, { status: 429, retryAfterMs: 600 }, 40);
		const runs = Array.from({ length: 10 }, (_, index) => {
			const name = `Storm ${index}`;
			const story = proseEvents({ seed: 300 + index, minChars: 2_200, maxChars: 2_600 });
			harness!.scriptFor(name, sseScript(story.events, { splitAt: 'event', delayMs: 8, seed: index }));
			return { name, story, interaction: sendBackstory(discord, name, 'Anyone.', { user: userFor(index) }) };
		});
		await Promise.all(runs.map((run) => harness!.finished(run.interaction)));

		expect(discord.requests.filter((request) => request.status === 429).length).toBeGreaterThanOrEqual(40);
		for (const { name, story, interaction } of runs) {
			expectDelivered(discord, interaction, name, story.text);
			// Waiting costs freshness, never a queue: far fewer writes than the ~170 upstream events.
			const accepted = discord.requests.filter((r) => r.token === interaction.token && isWebhookWrite(r) && r.status === 200);
			expect(accepted.length).toBeLessThan(25);
		}
		expect(discord.violations).toEqual([]);
		await convai.allClosed();
		await expectServesNext(harness!);
	});

	it('Discord slow: every request answered 400 ms late still ends exact, without a backlog', async () => {
		const { discord, convai } = await start();
		discord.setLatency(400);
		const runs = Array.from({ length: 3 }, (_, index) => {
			const name = `Slow ${index}`;
			const story = proseEvents({ seed: 400 + index, minChars: 2_000, maxChars: 2_500 });
			harness!.scriptFor(name, sseScript(story.events, { splitAt: 'event', delayMs: 10, seed: index }));
			return { name, story, interaction: sendBackstory(discord, name, 'Anyone.', { user: userFor(index) }) };
		});
		await Promise.all(runs.map((run) => harness!.finished(run.interaction)));

		for (const { name, story, interaction } of runs) {
			expect(interaction.callback?.type).toBe(5);
			expectDelivered(discord, interaction, name, story.text);
			// At most one write in flight and one more after the end: a queue of per-event edits would take tens of seconds.
			expect(finalLagMs(discord, convai, interaction, name)).toBeLessThan(2 * 400 + 300 + 500);
		}
		expect(discord.violations).toEqual([]);
		await convai.allClosed();
		discord.setLatency(0);
		await expectServesNext(harness!);
	});

	it('Discord 5xx: the 3rd edit and the first follow-up fail past discord.js retries, the renderer retries them', async () => {
		const { discord, convai } = await start();
		const isEdit = (r: { method: string; path: string }) => r.method === 'PATCH' && r.path.startsWith('/webhooks/');
		const isFollowUp = (r: { method: string; path: string }) => r.method === 'POST' && r.path.startsWith('/webhooks/');
		// discord.js retries a 5xx 3 times at once; 4 failures in a row reach the renderer.
		discord.failNextRequests(isEdit, { status: 502, code: 0, message: 'Bad Gateway' }, 4, { after: 2 });
		discord.failNextRequests(isFollowUp, { status: 503, code: 0, message: 'Service Unavailable' }, 4);
		const story = proseEvents({ seed: 501, minChars: 4_200, maxChars: 4_600 });
		harness!.scriptFor('Flaky', sseScript(story.events, { splitAt: 'event', delayMs: 8 }));

		const interaction = await harness!.backstory('Flaky', 'Anyone.');

		expect(discord.requests.filter((r) => r.status === 502 || r.status === 503).length).toBe(8);
		expectDelivered(discord, interaction, 'Flaky', story.text);
		expect(discord.messagesOf(interaction.id).length).toBeGreaterThanOrEqual(3);
		expect(discord.violations).toEqual([]);
		await convai.allClosed();
		await expectServesNext(harness!);
	});

	it('bot restart mid-stream: old replies end with the restart notice, the new bot serves the next command', async () => {
		const { discord, convai } = await start();
		const story = proseEvents({ seed: 601, minChars: 3_000, maxChars: 3_500 });
		const runs = [0, 1].map((index) => {
			const name = `Restart ${index}`;
			harness!.scriptFor(name, sseScript(story.events, { splitAt: 'event', delayMs: 40 }));
			return { name, interaction: sendBackstory(discord, name, 'Anyone.', { user: userFor(index) }) };
		});
		await discord.waitFor(() => runs.every((run) => writesToFirstMessage(discord, run.interaction) >= 2), 10_000);
		const old = harness!.bot;

		await harness!.restartBot();

		expect(old.child.exitCode).toBe(0);
		for (const { name, interaction } of runs) {
			const shown = storyText(discord, interaction, headerOf(name));
			expect(shown.endsWith(RESTART_NOTICE)).toBe(true);
			expect(story.text.startsWith(shown.slice(0, -RESTART_NOTICE.length))).toBe(true);
			for (const content of finalContents(discord, interaction)) expect(content).not.toContain(WRITING_MARKER_TEXT);
			expectNothingShownTakenBack(discord, interaction);
		}
		await convai.allClosed(1_000);
		expect(convai.requests.map((request) => request.endedBy)).toEqual(['client', 'client']);
		await expectServesNext(harness!);
	});

	it('50 users at once: 50 exact texts, one upstream socket each at most, all closed after the keep-alive', async () => {
		// The fake never closes idle sockets itself, so only the bot's own keep-alive limit can bring them to 0.
		const { discord, convai } = await start({ convai: { keepAliveTimeoutMs: 0 } });
		const runs = Array.from({ length: 50 }, (_, index) => {
			const name = `Crowd ${index}`;
			const story = proseEvents({ seed: 700 + index, minChars: 1_000, maxChars: 2_500, discordExtras: index % 5 === 0 });
			harness!.scriptFor(name, sseScript(story.events, { splitAt: 'event', delayMs: 8, jitter: 0.5, seed: index }));
			return { name, story, interaction: sendBackstory(discord, name, 'Anyone.', { user: userFor(index) }) };
		});
		await Promise.all(runs.map((run) => harness!.finished(run.interaction, 30_000)));

		for (const { name, story, interaction } of runs) {
			expect(interaction.callback!.at - interaction.createdAt).toBeLessThan(3_000);
			expectDelivered(discord, interaction, name, story.text);
		}
		expect(discord.violations).toEqual([]);
		await convai.allClosed(2_000);
		expect(convai.requests.every((request) => request.endedBy === 'server')).toBe(true);
		expect(convai.connectionsOpened()).toBeLessThanOrEqual(50);
		await expectServesNext(harness!);
		// Finished responses go back to the bot's pool, which closes idle sockets after its keep-alive (about 4 s).
		await waitUntil(() => convai.openConnections() === 0, 10_000);
	});
});

async function waitUntil(predicate: () => boolean, timeoutMs: number): Promise<void> {
	const deadline = Date.now() + timeoutMs;
	while (!predicate()) {
		if (Date.now() > deadline) throw new Error(`condition not met within ${timeoutMs} ms`);
		await new Promise((resolve) => setTimeout(resolve, 50));
	}
}
