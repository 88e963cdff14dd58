import { rmSync } from 'node:fs';
import { FAKE_CONVAI_KEY, makeBotFolder, startBot, type BotProcess } from './bot-process.js';
import { startFakeConvai, type FakeConvai, type Script } from './fake-convai.js';
import { startFakeDiscord, type FakeDiscord, type FakeDiscordOptions, type Interaction } from './fake-discord/index.js';
import { GUILD_ID, sendBackstory, waitForFinished } from './harness.js';
import { startTestRedis, type TestRedis } from './redis.js';

/** A server id whose events Discord sends to `shard` of `count` (routing uses the id's top bits). */
export function guildOnShard(shard: number, count: number, offset = 0): string {
	for (let n = 0n; ; n += 1n) {
		const id = BigInt(GUILD_ID) + (n + BigInt(offset) * 64n) * (1n << 22n);
		if (Number((id >> 22n) % BigInt(count)) === shard) return id.toString();
	}
}

export interface ShardedBot {
	discord: FakeDiscord;
	convai: FakeConvai;
	redis: TestRedis;
	/** The manager process; its shards write to the same stdout, so their log lines are here too. */
	bot: BotProcess;
	scriptFor(characterName: string, script: Script): void;
	startBackstory(guildId: string, name: string, description: string, extra?: Partial<Parameters<FakeDiscord['sendCommand']>[0]>): Interaction;
	finished(interaction: Interaction, timeoutMs?: number): Promise<Record<string, unknown>>;
	close(): Promise<void>;
}

export interface ShardedBotOptions {
	shards: number;
	/** What SHARD_COUNT says; defaults to the shard count itself. */
	shardCountSetting?: string;
	env?: Record<string, string>;
	discord?: FakeDiscordOptions;
	/** Where the bot sends its REST calls (a proxy in front of the fake); defaults to the fake. */
	discordApiUrl?: (discord: FakeDiscord) => Promise<string> | string;
}

/** The fakes, a Redis, and `npm start` with SHARD_COUNT: the manager and its shard processes. */
export async function startShardedBot(options: ShardedBotOptions): Promise<ShardedBot> {
	const redis = await startTestRedis();
	const discord = await startFakeDiscord({ ...options.discord, shards: options.shards });
	const scripts = new Map<string, Script>();
	const convai = await startFakeConvai((form) => scripts.get(form.charName ?? '') ?? { status: 404 }, { apiKey: FAKE_CONVAI_KEY });
	const folder = makeBotFolder();
	const bot = startBot(
		{
			DISCORD_API_URL: options.discordApiUrl ? await options.discordApiUrl(discord) : discord.apiUrl,
			CONVAI_API_URL: convai.url,
			DISCORD_GUILD_ID: GUILD_ID,
			EDIT_INTERVAL_MS: '300',
			COOLDOWN_SECONDS: '0',
			MAX_RUNNING_PER_USER: '0',
			MAX_RUNNING_PER_GUILD: '0',
			MAX_RUNNING_TOTAL: '0',
			SHARD_COUNT: options.shardCountSetting ?? String(options.shards),
			STORE_URL: redis.url,
			...options.env,
		},
		{ cwd: folder },
	);
	const closeAll = async () => {
		await bot.stop();
		await discord.close();
		await convai.close();
		await redis.stop();
		rmSync(folder, { recursive: true, force: true });
	};
	try {
		await bot.waitForLog((entry) => entry.msg === 'all shards ready', 30_000);
		await bot.waitForLog((entry) => entry.msg === 'slash commands registered' || entry.msg === 'slash commands already up to date');
		await discord.waitForShards();
	} catch (error) {
		await closeAll();
		throw error;
	}
	return {
		discord,
		convai,
		redis,
		bot,
		scriptFor: (name, script) => void scripts.set(name, script),
		startBackstory: (guildId, name, description, extra = {}) => sendBackstory(discord, name, description, { guildId, ...extra }),
		finished: (interaction, timeoutMs = 20_000) => waitForFinished(bot, interaction.id, timeoutMs),
		close: closeAll,
	};
}
