import { spawn } from 'node:child_process';
import { createServer } from 'node:net';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { proseEvents, sseScript } from '../support/fake-convai.js';
import { storyText } from '../support/harness.js';
import { redisAvailable } from '../support/redis.js';
import { guildOnShard, startShardedBot, type ShardedBot } from '../support/shards.js';

const PROXY_ENTRY = fileURLToPath(new URL('../../dist/src/rest-proxy.js', import.meta.url));
const headerOf = (name: string) => `📜 **${name}**\n`;

function freePort(): Promise<number> {
	return new Promise((resolve) => {
		const server = createServer().listen(0, '127.0.0.1', () => {
			const address = server.address();
			server.close(() => resolve(typeof address === 'object' && address ? address.port : 0));
		});
	});
}

describe.skipIf(!redisAvailable)('both shards through npm run rest-proxy (@discordjs/proxy)', () => {
	let bot: ShardedBot;
	let proxy: ReturnType<typeof spawn> | undefined;
	const proxyLines: string[] = [];

	beforeAll(async () => {
		bot = await startShardedBot({
			shards: 2,
			// auto: the shard count comes from GET /gateway/bot, asked through DISCORD_API_URL (the proxy).
			shardCountSetting: 'auto',
			async discordApiUrl(discord) {
				const port = await freePort();
				proxy = spawn(process.execPath, [PROXY_ENTRY], {
					env: { PATH: process.env.PATH ?? '', PROXY_PORT: String(port), DISCORD_API_URL: discord.apiUrl, LOG_LEVEL: 'debug' },
					stdio: ['ignore', 'pipe', 'pipe'],
				});
				proxy.stdout!.on('data', (chunk: Buffer) => proxyLines.push(...chunk.toString().split('\n').filter(Boolean)));
				proxy.stderr!.on('data', (chunk: Buffer) => proxyLines.push(chunk.toString()));
				await new Promise<void>((resolve, reject) => {
					const timer = setTimeout(() => reject(new Error(`proxy did not start: ${proxyLines.join('\n')}`)), 10_000);
					const check = setInterval(() => {
						if (proxyLines.some((line) => line.includes('rest proxy listening'))) {
							clearInterval(check);
							clearTimeout(timer);
							resolve();
						}
					}, 20);
				});
				return `http://127.0.0.1:${port}/api`;
			},
		});
	}, 60_000);

	afterAll(async () => {
		await bot?.close();
		if (proxy && proxy.exitCode === null) {
			const exited = new Promise((resolve) => proxy!.once('exit', resolve));
			proxy.kill('SIGTERM');
			await exited;
		}
	}, 30_000);

	it('SHARD_COUNT=auto starts the count GET /gateway/bot recommends, asked through DISCORD_API_URL', () => {
		expect(bot.bot.logs().find((entry) => entry.msg === 'starting shards')).toMatchObject({ shardCount: 2, requested: 'auto' });
		const gatewayBot = bot.discord.requests.filter((r) => r.method === 'GET' && r.path.endsWith('/gateway/bot'));
		expect(gatewayBot.length).toBeGreaterThanOrEqual(1);
	});

	it('streams exact stories in a server of each shard through the proxy, 429s included', async () => {
		const isWebhookWrite = (r: { method: string; path: string }) => r.path.includes('/webhooks/') && r.method !== 'GET';
		bot.discord.failNextRequests(isWebhookWrite, { status: 429, retryAfterMs: 500 }, 8);
		const runs = [0, 1, 0, 1].map((shard, index) => {
			const name = `Proxied ${index}`;
			const story = proseEvents({ seed: 500 + index, minChars: 2_200, maxChars: 2_600 });
			bot.scriptFor(name, sseScript(story.events, { splitAt: 'event', delayMs: 15, seed: index }));
			const interaction = bot.startBackstory(guildOnShard(shard, 2), name, 'Anyone.', {
				user: { id: `120000000000000030${index}`, username: `p${index}` },
			});
			return { name, story, interaction };
		});
		await Promise.all(runs.map((run) => bot.finished(run.interaction, 40_000)));
		for (const { name, story, interaction } of runs) expect(storyText(bot.discord, interaction, headerOf(name))).toBe(story.text);
		expect(bot.discord.requests.filter((r) => r.status === 429).length).toBeGreaterThanOrEqual(8);
		// The 429s met the proxy's limiter (the bot is only pointed at the proxy, never at the fake).
		expect(proxyLines.some((line) => line.includes('"discord answered 429; retrying after its delay"'))).toBe(true);
		expect(bot.discord.violations).toEqual([]);
	}, 60_000);
});
