import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sseScript } from '../support/fake-convai.js';
import { redisAvailable } from '../support/redis.js';
import { guildOnShard, startShardedBot, type ShardedBot } from '../support/shards.js';

describe.skipIf(!redisAvailable)('two shards: the manager and its shard processes', () => {
	let bot: ShardedBot;
	beforeAll(async () => {
		bot = await startShardedBot({ shards: 2 });
	}, 60_000);
	afterAll(async () => {
		await bot?.close();
	}, 30_000);

	it('streams the exact text of a /backstory in a server of each shard', async () => {
		const guilds = [guildOnShard(0, 2), guildOnShard(1, 2)];
		expect(guilds.map((id) => bot.discord.shardOf(id))).toEqual([0, 1]);
		const stories = ['The first shard tells this tale.', 'The second shard tells another one.'];
		bot.scriptFor('Zero', sseScript([stories[0]!]));
		bot.scriptFor('One', sseScript([stories[1]!]));
		const runs = [bot.startBackstory(guilds[0]!, 'Zero', 'A.'), bot.startBackstory(guilds[1]!, 'One', 'B.')];
		await Promise.all(runs.map((run) => bot.finished(run)));
		for (const [i, run] of runs.entries()) expect(bot.discord.visibleText(run.id)).toContain(stories[i]);
		// Each identified with its own [id, 2]; commands were registered once.
		expect(bot.discord.identifies.map((d: any) => d.shard).sort()).toEqual([[0, 2], [1, 2]]);
		expect(bot.discord.commands.putCount).toBe(1);
	});
});
