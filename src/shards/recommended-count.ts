/** Discord's REST base when DISCORD_API_URL is unset (what discord.js uses). */
const DISCORD_API = 'https://discord.com/api';
const TIMEOUT_MS = 10_000;

/**
 * Asks GET /gateway/bot how many shards Discord recommends. discord.js has this too
 * (`fetchRecommendedShardCount`, behind ShardingManager's `totalShards: 'auto'`), but it always calls
 * discord.com and ignores `rest.api`, so it would bypass DISCORD_API_URL (a REST proxy, the fake Discord).
 */
export async function fetchRecommendedShardCount(token: string, apiUrl: string | undefined): Promise<number> {
	const response = await fetch(`${apiUrl ?? DISCORD_API}/v10/gateway/bot`, {
		headers: { Authorization: `Bot ${token}` },
		signal: AbortSignal.timeout(TIMEOUT_MS),
	});
	if (!response.ok) {
		await response.body?.cancel();
		throw new Error(`GET /gateway/bot answered ${response.status}${response.status === 401 ? ': check DISCORD_TOKEN' : ''}`);
	}
	const body = (await response.json()) as { shards?: unknown };
	const shards = body.shards;
	if (typeof shards !== 'number' || !Number.isInteger(shards) || shards < 1) {
		throw new Error(`GET /gateway/bot gave no usable shard count (shards: ${JSON.stringify(shards)})`);
	}
	return shards;
}
