import { fileURLToPath } from 'node:url';
import { ShardingManager, type Shard } from 'discord.js';
import type { Config } from '../config/config.js';
import type { Logger } from '../ops/log.js';
import { fetchRecommendedShardCount } from './recommended-count.js';

/** Each shard gets its own 9.5 s to end its stories (src/index.ts); this leaves room for the slowest. */
const SHARD_STOP_TIMEOUT_MS = 12_000;
/** How long one shard may take to reach READY before the manager logs it as failed to start. */
const SHARD_READY_TIMEOUT_MS = 30_000;
/**
 * Gap between two shards' first IDENTIFY: Discord allows one per 5 s per max_concurrency bucket.
 * discord.js's own default.
 */
const SPAWN_DELAY_MS = 5_500;

export type ShardState = 'starting' | 'ready' | 'down' | 'stopping';

/**
 * The running shard processes. This is the seam for whole-bot features: `manager` reaches every
 * shard (`broadcastEval`, `shard.send` + the shard's 'message' event), `states()` says which shard
 * is down, and `on` lets a feature react when a shard is respawned.
 */
export interface ShardFleet {
	readonly manager: ShardingManager;
	/** How many shards the bot runs (the resolved SHARD_COUNT). */
	readonly count: number;
	/** Each shard's state by id; a respawning shard is `down` until its client is READY again. */
	states(): ReadonlyMap<number, ShardState>;
	/** Ids of shards that are not READY now. */
	down(): number[];
	/** Called whenever a shard process (re)starts, becomes ready or dies. */
	onChange(listener: (shardId: number, state: ShardState) => void): void;
	/** Stops every shard gracefully (each ends its stories with the restart notice); never respawns. */
	stop(): Promise<void>;
}

/**
 * Launches one discord.js ShardingManager in process mode running this same entry file once per
 * shard. Never constructs a discord.js Client here: a Client reads SHARD_COUNT from the environment,
 * which in this process may be `auto`.
 */
export async function startShardFleet(config: Config, log: Logger): Promise<ShardFleet> {
	if (config.sharding.role !== 'manager') throw new Error('startShardFleet runs only in the manager process');
	const count =
		config.sharding.count === 'auto'
			? await fetchRecommendedShardCount(config.discordToken, config.discordApiUrl)
			: config.sharding.count;
	const manager = new ShardingManager(fileURLToPath(new URL('../index.js', import.meta.url)), {
		totalShards: count,
		mode: 'process',
		respawn: true,
		token: config.discordToken,
		// Each shard runs with the manager's own Node flags: the heap cap of `npm start` (or of the
		// operator's unit file) applies to every shard process, not only to the manager.
		execArgv: process.execArgv,
	});
	const states = new Map<number, ShardState>();
	const listeners: Array<(shardId: number, state: ShardState) => void> = [];
	let stopping = false;
	const setState = (shardId: number, state: ShardState): void => {
		states.set(shardId, state);
		for (const listener of listeners) listener(shardId, state);
	};

	manager.on('shardCreate', (shard) => watchShard(shard));
	const watchShard = (shard: Shard): void => {
		setState(shard.id, 'starting');
		shard.on('spawn', (child) => {
			log.info('shard process started', { shardId: shard.id, pid: 'pid' in child ? child.pid : undefined });
			setState(shard.id, stopping ? 'stopping' : 'starting');
		});
		shard.on('ready', () => {
			log.info('shard ready', { shardId: shard.id, shardCount: count });
			setState(shard.id, 'ready');
		});
		shard.on('death', (child) => {
			const exitCode = 'exitCode' in child ? child.exitCode : null;
			const signal = 'signalCode' in child ? child.signalCode : null;
			if (stopping) log.info('shard stopped', { shardId: shard.id, exitCode });
			// discord.js respawns it (respawn: true); the other shards carry on.
			else log.error('shard process died; respawning it', { shardId: shard.id, exitCode, signal });
			setState(shard.id, 'down');
		});
		shard.on('disconnect', () => log.warn('shard lost its gateway connection', { shardId: shard.id }));
		shard.on('reconnecting', () => log.info('shard reconnecting', { shardId: shard.id }));
		shard.on('error', (error) => log.error('shard error', { shardId: shard.id, error }));
	};

	log.info('starting shards', { shardCount: count, requested: config.sharding.count });
	// spawn() resolves once every shard is READY; a shard that fails to start is logged and keeps
	// being respawned by discord.js rather than taking the manager down.
	manager.spawn({ amount: count, delay: SPAWN_DELAY_MS, timeout: SHARD_READY_TIMEOUT_MS }).then(
		() => log.info('all shards ready', { shardCount: count }),
		(error: unknown) => log.error('not every shard started in time; discord.js keeps respawning it', { error }),
	);

	return {
		manager,
		count,
		states: () => states,
		down: () => [...Array(count).keys()].filter((id) => states.get(id) !== 'ready'),
		onChange: (listener) => void listeners.push(listener),
		async stop() {
			stopping = true;
			manager.respawn = false;
			await Promise.all([...manager.shards.values()].map((shard) => stopShard(shard, log)));
		},
	};
}

/** SIGTERM, so the shard runs its own graceful shutdown; SIGKILL only if it overstays. */
function stopShard(shard: Shard, log: Logger): Promise<void> {
	const child = shard.process;
	if (!child || child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
	return new Promise((resolve) => {
		const timer = setTimeout(() => {
			log.warn('shard did not stop in time; killing it', { shardId: shard.id });
			child.kill('SIGKILL');
		}, SHARD_STOP_TIMEOUT_MS);
		child.once('exit', () => {
			clearTimeout(timer);
			resolve();
		});
		child.kill('SIGTERM');
	});
}
