import type KeyvRedis from '@keyv/redis';
import { runBounded } from './bounded.js';
import {
	expiryOfDay,
	rankTop,
	TOP_LIST_CAP,
	USAGE_KINDS,
	type GuildDayUsage,
	type TopEntry,
	type UsageCounterStore,
	type UsageKind,
	type UsageTake,
	type UsageTakeResult,
} from './counters.js';

/**
 * Checks both limits and counts in one step on the server, so processes sharing Redis can never
 * take more than the limit between them. Every key carries its day and expires with it.
 * KEYS: user counter, server counter, server top list (sorted set), its display names (hash).
 * ARGV: user limit, server limit, expiry (ms since epoch), user id, display name, top list cap,
 * 1 when there is a server.
 */
const TAKE_SCRIPT = `
local userLimit = tonumber(ARGV[1])
local guildLimit = tonumber(ARGV[2])
local hasGuild = ARGV[7] == '1'
local user = tonumber(redis.call('GET', KEYS[1]) or '0')
local guild = 0
if hasGuild then guild = tonumber(redis.call('GET', KEYS[2]) or '0') end
if userLimit > 0 and user >= userLimit then return {0, 'user', user, guild} end
if hasGuild and guildLimit > 0 and guild >= guildLimit then return {0, 'guild', user, guild} end
user = redis.call('INCR', KEYS[1])
redis.call('PEXPIREAT', KEYS[1], ARGV[3])
if hasGuild then
	guild = redis.call('INCR', KEYS[2])
	redis.call('ZINCRBY', KEYS[3], 1, ARGV[4])
	redis.call('HSET', KEYS[4], ARGV[4], ARGV[5])
	local extra = redis.call('ZCARD', KEYS[3]) - tonumber(ARGV[6])
	if extra > 0 then
		local dropped = redis.call('ZRANGE', KEYS[3], 0, extra - 1)
		redis.call('ZREMRANGEBYRANK', KEYS[3], 0, extra - 1)
		redis.call('HDEL', KEYS[4], unpack(dropped))
	end
	for i = 2, 4 do redis.call('PEXPIREAT', KEYS[i], ARGV[3]) end
end
return {1, '', user, guild}
`;

const ADD_BLOCKED_SCRIPT = `
redis.call('INCR', KEYS[1])
redis.call('PEXPIREAT', KEYS[1], ARGV[1])
`;

type TakeReply = [number, string, number, number];

/**
 * The two calls we make, typed narrowly: node-redis' full client type is so large that type-checking
 * a MULTI chain on it exhausts the compiler's memory. Replies are RESP2 (the client's default).
 */
interface RedisCalls {
	eval(script: string, options: { keys: string[]; arguments: string[] }): Promise<unknown>;
	sendCommand(args: string[]): Promise<unknown>;
}

/** Redis: counters, top lists and names as plain Redis types under the store's namespace. */
export class RedisUsageCounters implements UsageCounterStore {
	private connecting: Promise<unknown> | undefined;

	public constructor(
		private readonly adapter: KeyvRedis<unknown>,
		private readonly timeoutMs: number,
	) {}

	public async take(request: UsageTake): Promise<UsageTakeResult> {
		return runBounded('usage.take', this.timeoutMs, async () => {
			const { day, kind, userId, guildId } = request;
			const guild = this.guildKeys(day, guildId ?? 'none', kind);
			const client = await this.client();
			const reply = (await client.eval(TAKE_SCRIPT, {
				keys: [this.key(`day:${day}:user:${userId}:${kind}`), guild.count, guild.top, guild.names],
				arguments: [
					String(request.userLimit),
					String(request.guildLimit),
					String(expiryOfDay(day)),
					userId,
					request.userName,
					String(TOP_LIST_CAP),
					guildId === null ? '0' : '1',
				],
			})) as TakeReply;
			const [taken, full, user, guildCount] = reply;
			if (taken === 1) return { taken: true, user, guild: guildCount };
			return { taken: false, full: full === 'user' ? 'user' : 'guild', user, guild: guildCount };
		});
	}

	public async addBlocked(day: string, guildId: string): Promise<void> {
		await runBounded('usage.addBlocked', this.timeoutMs, async () => {
			const key = this.key(`day:${day}:guild:${guildId}:blocked`);
			const client = await this.client();
			await client.eval(ADD_BLOCKED_SCRIPT, { keys: [key], arguments: [String(expiryOfDay(day))] });
		});
	}

	public async read(day: string, guildId: string, topN: number): Promise<GuildDayUsage> {
		return runBounded('usage.read', this.timeoutMs, async () => {
			const client = await this.client();
			const [generations, talks] = USAGE_KINDS.map((kind) => this.guildKeys(day, guildId, kind)) as [GuildKeys, GuildKeys];
			const blockedKey = this.key(`day:${day}:guild:${guildId}:blocked`);
			// Issued together, so node-redis sends them as one pipeline.
			const [counts, generationTop, generationNames, talkTop, talkNames] = (await Promise.all([
				client.sendCommand(['MGET', generations.count, talks.count, blockedKey]),
				client.sendCommand(['ZRANGE', generations.top, '0', '-1', 'WITHSCORES']),
				client.sendCommand(['HGETALL', generations.names]),
				client.sendCommand(['ZRANGE', talks.top, '0', '-1', 'WITHSCORES']),
				client.sendCommand(['HGETALL', talks.names]),
			])) as [Array<string | null>, string[], string[], string[], string[]];
			const topOf = (scores: string[], flatNames: string[]): TopEntry[] => {
				const names = new Map(pairs(flatNames));
				return rankTop(
					pairs(scores).map(([userId, score]) => ({ userId, name: names.get(userId) ?? userId, count: Number(score) })),
					topN,
				);
			};
			return {
				generations: Number(counts[0] ?? 0),
				talks: Number(counts[1] ?? 0),
				blocked: Number(counts[2] ?? 0),
				top: { generations: topOf(generationTop, generationNames), talks: topOf(talkTop, talkNames) },
			};
		});
	}

	/** Every take is written before it resolves. */
	public async settled(): Promise<void> {}

	private guildKeys(day: string, guildId: string, kind: UsageKind): GuildKeys {
		const base = `day:${day}:guild:${guildId}:${kind}`;
		return { count: this.key(base), top: this.key(`${base}:top`), names: this.key(`${base}:names`) };
	}

	/**
	 * One connect shared by every caller: the adapter marks its client open as soon as connecting
	 * starts, so a second caller would otherwise get a client that is not ready yet and, with the
	 * offline queue disabled, fail with "The client is offline".
	 */
	private async client(): Promise<RedisCalls> {
		this.connecting ??= this.adapter.getClient().finally(() => {
			this.connecting = undefined;
		});
		return (await this.connecting) as unknown as RedisCalls;
	}

	/** The adapter's own prefix (`namespace::`), so keyv.clear() on the namespace removes these too. */
	private key(key: string): string {
		return this.adapter.createKeyPrefix(key, this.adapter.namespace);
	}
}

interface GuildKeys {
	count: string;
	top: string;
	names: string;
}

/** [a, 1, b, 2] → [[a, 1], [b, 2]]: how RESP2 returns WITHSCORES and HGETALL. */
function pairs(flat: string[]): Array<[string, string]> {
	const result: Array<[string, string]> = [];
	for (let i = 0; i + 1 < flat.length; i += 2) result.push([flat[i]!, flat[i + 1]!]);
	return result;
}
