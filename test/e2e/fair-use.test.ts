import { afterEach, describe, expect, it } from 'vitest';
import { faults, proseEvents, sseScript } from '../support/fake-convai.js';
import type { Interaction } from '../support/fake-discord/index.js';
import { startHarness, writesToFirstMessage, type Harness } from '../support/harness.js';

const MANAGE_SERVER = (1n << 5n).toString();
const user = (n: number) => ({ id: `12000000000000001${String(n).padStart(2, '0')}`, username: `user${n}`, globalName: `User ${n}` });

describe('fair use: cooldowns and concurrency caps end to end', () => {
	let harness: Harness | undefined;
	afterEach(async () => {
		await harness?.close();
		harness = undefined;
	});

	function send(h: Harness, name: string, who = user(1), extra: Record<string, unknown> = {}): Interaction {
		return h.startBackstory(name, 'Someone.', { user: who, ...extra });
	}

	async function refusal(h: Harness, interaction: Interaction): Promise<string> {
		await h.discord.waitFor(() => interaction.callback !== undefined);
		expect(interaction.callback!.type).toBe(4);
		expect(interaction.callback!.data.flags & 64).toBe(64);
		expect(interaction.callback!.data.allowed_mentions).toMatchObject({ parse: [] });
		return interaction.callback!.data.content as string;
	}

	function slowStory(h: Harness, name: string, seed: number): void {
		h.scriptFor(name, sseScript(proseEvents({ seed, minChars: 2_000, maxChars: 2_200 }).events, { delayMs: 40, chunkSize: 40 }));
	}

	it('refuses a second quick command from one user with when to try again, and makes no upstream call', async () => {
		harness = await startHarness({ env: { COOLDOWN_SECONDS: '30' } });
		harness.scriptFor('Quick', sseScript(['A short tale.']));
		const first = send(harness, 'Quick');
		await harness.finished(first);
		const requests = harness.convai.requests.length;

		const second = send(harness, 'Quick');
		const text = await refusal(harness, second);
		expect(text).toMatch(/a moment ago/);
		const [, unix] = /<t:(\d+):R>/.exec(text) ?? [];
		expect(Number(unix) * 1_000).toBeGreaterThan(Date.now() + 20_000);
		expect(Number(unix) * 1_000).toBeLessThanOrEqual(Date.now() + 31_000);
		expect(harness.convai.requests.length).toBe(requests);

		// Someone else is not affected, and a member with Manage Server is exempt from the cooldown.
		await harness.finished(send(harness, 'Quick', user(2)));
		await harness.finished(send(harness, 'Quick', user(1), { memberPermissions: MANAGE_SERVER }));
	});

	it('lets only one of two simultaneous commands from one user through the cooldown, even with no running cap', async () => {
		// Before the cooldown was taken atomically, both read "no cooldown" and both ran.
		harness = await startHarness({ env: { COOLDOWN_SECONDS: '30', MAX_RUNNING_PER_USER: '0' } });
		slowStory(harness, 'Twin', 7);
		const both = [send(harness, 'Twin'), send(harness, 'Twin')];
		await harness.discord.waitFor(() => both.every((interaction) => interaction.callback !== undefined));
		const refused = both.filter((interaction) => interaction.callback!.type === 4);
		expect(refused).toHaveLength(1);
		expect(await refusal(harness, refused[0]!)).toMatch(/a moment ago/);
		await harness.finished(both.find((interaction) => interaction.callback!.type !== 4)!);
		expect(harness.convai.requests).toHaveLength(1);
	});

	it('keeps the cooldown across a restart (it lives in the store)', async () => {
		harness = await startHarness({ env: { COOLDOWN_SECONDS: '30' } });
		harness.scriptFor('Again', sseScript(['Once.']));
		await harness.finished(send(harness, 'Again'));
		await harness.restartBot();
		expect(await refusal(harness, send(harness, 'Again'))).toMatch(/<t:\d+:R>/);
	});

	it('counts Regenerate as a generation', async () => {
		harness = await startHarness({ env: { COOLDOWN_SECONDS: '30' } });
		harness.scriptFor('Regen', sseScript(['Once.']));
		const first = send(harness, 'Regen');
		await harness.finished(first);
		const last = harness.discord.messagesOf(first.id).at(-1)!;
		const [row] = last.components as Array<{ components: Array<{ custom_id: string }> }>;
		const click = harness.discord.sendComponent({ customId: row!.components[0]!.custom_id, messageId: last.id, user: user(1) });
		expect(await refusal(harness, click)).toMatch(/a moment ago/);
	});

	it('refuses the fourth of four simultaneous commands in a server capped at 3', async () => {
		harness = await startHarness({ env: { MAX_RUNNING_PER_GUILD: '3' } });
		const h = harness;
		for (let n = 1; n <= 4; n += 1) slowStory(h, `Crowd ${n}`, n);
		const sent = [1, 2, 3, 4].map((n) => send(h, `Crowd ${n}`, user(n)));
		await h.discord.waitFor(() => sent.every((interaction) => interaction.callback !== undefined));
		const refused = sent.filter((interaction) => interaction.callback!.type === 4);
		expect(refused).toHaveLength(1);
		expect(refused[0]!.callback!.data.content).toMatch(/This server already has 3 requests running \(backstories or character answers\)/);
		expect(refused[0]!.callback!.data.content).toMatch(/<t:\d+:R>/);
		const admitted = sent.filter((interaction) => interaction.callback!.type === 5);
		await Promise.all(admitted.map((interaction) => h.finished(interaction)));
		expect(h.convai.requests).toHaveLength(3);
	});

	it('refuses a command when the whole bot is at MAX_RUNNING_TOTAL', async () => {
		harness = await startHarness({ env: { MAX_RUNNING_TOTAL: '1' } });
		const h = harness;
		slowStory(h, 'Only', 1);
		const running = send(h, 'Only', user(1));
		await h.discord.waitFor(() => writesToFirstMessage(h.discord, running) >= 1, 10_000);
		const text = await refusal(h, send(h, 'Only', user(2)));
		expect(text).toMatch(/^The bot is busy with as many backstories and conversations as it can handle right now\. You can start another one <t:\d+:R>\.$/);
		await h.finished(running);
		expect(h.convai.requests).toHaveLength(1);
	});

	it('releases the slot when a generation ends, fails or is stopped', async () => {
		harness = await startHarness({ env: { MAX_RUNNING_PER_USER: '1' } });
		const h = harness;

		// While one runs, a second from the same user is refused.
		slowStory(h, 'Busy', 1);
		const running = send(h, 'Busy');
		await h.discord.waitFor(() => writesToFirstMessage(h.discord, running) >= 1, 10_000);
		expect(await refusal(h, send(h, 'Busy'))).toMatch(/already have something running/);
		// Ends normally: the slot is free again.
		await h.finished(running);

		h.scriptFor('Fails', faults.htmlPage(503));
		await h.finished(send(h, 'Fails'));

		slowStory(h, 'Stopped', 2);
		const stopped = send(h, 'Stopped');
		await h.discord.waitFor(() => writesToFirstMessage(h.discord, stopped) >= 1, 10_000);
		const message = h.discord.messagesOf(stopped.id).at(-1)!;
		const [row] = message.components as Array<{ components: Array<{ custom_id: string }> }>;
		h.discord.sendComponent({ customId: row!.components[0]!.custom_id, messageId: message.id, user: user(1) });
		await h.finished(stopped);

		h.scriptFor('Free', sseScript(['Free again.']));
		const free = send(h, 'Free');
		const finished = await h.finished(free);
		expect(finished.outcome).toBe('complete');
	});
});
