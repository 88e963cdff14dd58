import { execFileSync } from 'node:child_process';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { BOT_NODE_FLAGS } from '../support/bot-process.js';
import { proseEvents, sseScript } from '../support/fake-convai.js';
import type { FakeDiscord, Interaction } from '../support/fake-discord/index.js';
import { finalContents, storyText, WRITING_MARKER_TEXT } from '../support/harness.js';
import { redisAvailable } from '../support/redis.js';
import { guildOnShard, startShardedBot, type ShardedBot } from '../support/shards.js';

const headerOf = (name: string) => `📜 **${name}**\n`;
const user = (n: number) => ({ id: `12000000000000002${String(n).padStart(2, '0')}`, username: `user${n}` });
const GUILDS = [guildOnShard(0, 2), guildOnShard(1, 2)] as const;

function expectExact(discord: FakeDiscord, interaction: Interaction, name: string, text: string): void {
	expect(storyText(discord, interaction, headerOf(name))).toBe(text);
	for (const content of finalContents(discord, interaction)) expect(content).not.toContain(WRITING_MARKER_TEXT);
}

function slowStory(bot: ShardedBot, name: string, seed: number, delayMs = 40) {
	const story = proseEvents({ seed, minChars: 2_000, maxChars: 2_200 });
	bot.scriptFor(name, sseScript(story.events, { splitAt: 'event', delayMs, seed }));
	return story;
}

/** The manager's operator endpoints (METRICS_PORT=0: the port it picked is logged). */
async function opsOf(bot: ShardedBot) {
	const entry = await bot.bot.waitForLog((line) => line.msg === 'operator endpoints listening' && line['shards'] !== undefined);
	const base = `http://127.0.0.1:${String(entry['port'])}`;
	return {
		async health(): Promise<{ status: number; body: Record<string, unknown> }> {
			const response = await fetch(`${base}/healthz`);
			return { status: response.status, body: (await response.json()) as Record<string, unknown> };
		},
		async counter(name: string, labels: string): Promise<number> {
			const text = await (await fetch(`${base}/metrics`)).text();
			const line = text.split('\n').find((row) => row.startsWith(`${name}{${labels}}`));
			return Number(line?.split(' ').at(-1));
		},
	};
}

/** The private refusal fair use gives, or undefined when the command was accepted (deferred). */
async function answerOf(discord: FakeDiscord, interaction: Interaction): Promise<string | undefined> {
	await discord.waitFor(() => interaction.callback !== undefined, 10_000);
	if (interaction.callback!.type !== 4) return undefined;
	expect(interaction.callback!.data.flags & 64).toBe(64);
	expect(interaction.callback!.data.allowed_mentions).toMatchObject({ parse: [] });
	return interaction.callback!.data.content as string;
}

describe.skipIf(!redisAvailable)('two shards sharing one Redis: stories, cooldowns and caps', () => {
	let bot: ShardedBot;
	beforeAll(async () => {
		bot = await startShardedBot({ shards: 2, env: { COOLDOWN_SECONDS: '30', MAX_RUNNING_TOTAL: '2', METRICS_PORT: '0' } });
	}, 60_000);
	afterAll(async () => bot?.close(), 30_000);

	it('streams the exact text of a /backstory in a server of each shard, each served by its own shard', async () => {
		expect(GUILDS.map((id) => bot.discord.shardOf(id))).toEqual([0, 1]);
		const stories = [slowStory(bot, 'Zero', 1, 5), slowStory(bot, 'One', 2, 5)];
		const runs = [bot.startBackstory(GUILDS[0], 'Zero', 'A.', { user: user(1) }), bot.startBackstory(GUILDS[1], 'One', 'B.', { user: user(2) })];
		await Promise.all(runs.map((run) => bot.finished(run)));
		expectExact(bot.discord, runs[0]!, 'Zero', stories[0]!.text);
		expectExact(bot.discord, runs[1]!, 'One', stories[1]!.text);
		// Each shard identified with its own [id, 2]; the commands were registered once, by shard 0.
		expect(bot.discord.identifies.map((d: any) => d.shard).sort()).toEqual([[0, 2], [1, 2]]);
		expect(bot.discord.commands.putCount).toBe(1);
		expect(bot.discord.violations).toEqual([]);
	});

	it("runs every shard with npm start's heap cap (the manager passes its Node flags on)", async () => {
		// What V8 reports for npm start's flags on this machine (the young generation comes on top of the cap).
		const heapLimitWith = (flags: string[]) =>
			Number(execFileSync(process.execPath, [...flags, '-p', "Math.round(require('v8').getHeapStatistics().heap_size_limit / 2 ** 20)"], { encoding: 'utf8' }));
		expect(BOT_NODE_FLAGS).toContain('--max-old-space-size=256');
		const capped = heapLimitWith(BOT_NODE_FLAGS);
		const connectedLines = () => bot.bot.logs().filter((entry) => entry.msg === 'connected to Discord');
		await bot.discord.waitFor(() => connectedLines().length === 2, 20_000);
		const connected = connectedLines();
		expect(connected.map((entry) => entry['heapLimitMB'])).toEqual([capped, capped]);
	});

	it("refuses in a server of shard 1 a user whose cooldown was set through shard 0", async () => {
		bot.scriptFor('Cool', sseScript(['A short tale.']));
		await bot.finished(bot.startBackstory(GUILDS[0], 'Cool', 'A.', { user: user(3) }));
		const requests = bot.convai.requests.length;
		const refused = await answerOf(bot.discord, bot.startBackstory(GUILDS[1], 'Cool', 'A.', { user: user(3) }));
		expect(refused).toMatch(/a moment ago.*<t:\d+:R>/);
		expect(bot.convai.requests.length).toBe(requests);
	});

	it('MAX_RUNNING_TOTAL=2 counts both shards: of three commands at once exactly one is refused, privately', async () => {
		slowStory(bot, 'Busy', 3);
		const runs = [
			bot.startBackstory(GUILDS[0], 'Busy', 'A.', { user: user(4) }),
			bot.startBackstory(GUILDS[1], 'Busy', 'A.', { user: user(5) }),
			bot.startBackstory(GUILDS[1], 'Busy', 'A.', { user: user(6) }),
		];
		const answers = await Promise.all(runs.map((run) => answerOf(bot.discord, run)));
		const refused = answers.filter((answer) => answer !== undefined);
		expect(refused).toHaveLength(1);
		expect(refused[0]).toMatch(/^The bot is busy with as many backstories and conversations as it can handle right now\. You can start another one <t:\d+:R>\./);
		await Promise.all(runs.filter((_, i) => answers[i] === undefined).map((run) => bot.finished(run)));
	});

	it('serves one /metrics and /healthz for the whole bot from the manager: every shard counted, both healthy', async () => {
		const ops = await opsOf(bot);
		const health = await ops.health();
		expect(health.status).toBe(200);
		expect(health.body).toMatchObject({ status: 'ok', down: [], shards: [{ shard: 0, status: 'ok' }, { shard: 1, status: 'ok' }] });
		// The tests above, across both shards: 2 + 1 + 2 stories written, 2 refused (the cooldown and the cap).
		expect(await ops.counter('backstory_generations_total', 'outcome="complete"')).toBe(5);
		expect(await ops.counter('backstory_generations_total', 'outcome="refused"')).toBe(2);
	});
});

describe.skipIf(!redisAvailable)('a shard that dies, and stopping the whole bot', () => {
	let bot: ShardedBot | undefined;
	afterEach(async () => bot?.close(), 30_000);

	it('SIGKILL one shard mid-story: /healthz names it, it is respawned, its story is repaired, the other shard finishes exactly, its slots free within 30 s; SIGTERM stops all in 15 s', async () => {
		bot = await startShardedBot({ shards: 2, env: { MAX_RUNNING_PER_USER: '1', METRICS_PORT: '0' } });
		const ops = await opsOf(bot);
		const pidOf = (shardId: number) =>
			Number(bot!.bot.logs().filter((entry) => entry.msg === 'shard process started' && entry.shardId === shardId).at(-1)?.['pid']);
		const survivor = slowStory(bot, 'Survivor', 10, 60);
		slowStory(bot, 'Victim', 11, 200);
		const kept = bot.startBackstory(GUILDS[0], 'Survivor', 'A.', { user: user(7) });
		const doomed = bot.startBackstory(GUILDS[1], 'Victim', 'B.', { user: user(8) });
		await bot.discord.waitFor(() => bot!.discord.messagesOf(doomed.id).some((m) => m.content.length > 200), 10_000);

		const victimPid = pidOf(1);
		process.kill(victimPid, 'SIGKILL');
		const killedAt = Date.now();
		await bot.bot.waitForLog((entry) => entry.msg === 'shard process died; respawning it' && entry.shardId === 1);
		// While shard 1 is down, the whole bot's /healthz is 503 and names it.
		const whileDown = await ops.health();
		expect(whileDown.status).toBe(503);
		expect(whileDown.body).toMatchObject({ status: 'unavailable', down: [1] });
		await bot.bot.waitForLog((entry) => entry.msg === 'shard ready' && entry.shardId === 1 && pidOf(1) !== victimPid, 30_000);
		expect(pidOf(1)).not.toBe(victimPid);
		const healthyBy = Date.now() + 10_000;
		while ((await ops.health()).status !== 200) {
			expect(Date.now()).toBeLessThan(healthyBy);
			await new Promise((resolve) => setTimeout(resolve, 250));
		}

		// The story the killed shard was writing is repaired from the run journal: text kept, notice, no Stop.
		await bot.discord.waitFor(() => (finalContents(bot!.discord, doomed).at(-1) ?? '').includes('interrupted: the bot restarted'), 20_000);
		for (const content of finalContents(bot.discord, doomed)) expect(content).not.toContain(WRITING_MARKER_TEXT);
		expect(bot.discord.messagesOf(doomed.id).every((message) => !JSON.stringify(message.components ?? []).includes(':stop:'))).toBe(true);

		await bot.finished(kept, 30_000);
		expectExact(bot.discord, kept, 'Survivor', survivor.text);

		// The victim's user held a running slot (MAX_RUNNING_PER_USER=1) in a process that is gone.
		bot.scriptFor('Again', sseScript(['Back again.']));
		await bot.discord.waitForShards();
		let admitted: Interaction | undefined;
		while (!admitted) {
			expect(Date.now() - killedAt).toBeLessThan(30_000);
			const attempt = bot.startBackstory(GUILDS[1], 'Again', 'B.', { user: user(8) });
			if ((await answerOf(bot.discord, attempt)) === undefined) admitted = attempt;
			else await new Promise((resolve) => setTimeout(resolve, 1_000));
		}
		await bot.finished(admitted);

		// SIGTERM to the manager: every shard ends its story with the restart notice, exit 0 within 15 s.
		slowStory(bot, 'Long0', 12, 300);
		slowStory(bot, 'Long1', 13, 300);
		const long = [bot.startBackstory(GUILDS[0], 'Long0', 'A.', { user: user(9) }), bot.startBackstory(GUILDS[1], 'Long1', 'B.', { user: user(10) })];
		await bot.discord.waitFor(() => long.every((run) => bot!.discord.messagesOf(run.id).some((m) => m.content.length > 100)), 10_000);
		const stoppedAt = Date.now();
		expect(await bot.bot.stop('SIGTERM')).toBe(0);
		expect(Date.now() - stoppedAt).toBeLessThan(15_000);
		for (const run of long) {
			const last = finalContents(bot.discord, run).at(-1) ?? '';
			expect(last).toContain('interrupted: the bot is restarting');
			expect(last).not.toContain(WRITING_MARKER_TEXT);
		}
	}, 90_000);
});
