import KeyvRedis from '@keyv/redis';
import type Keyv from 'keyv';

/** Running-generation caps; 0 = no limit. */
export interface LeaseLimits {
	perUser: number;
	perGuild: number;
	total: number;
}

export type LeaseCap = 'user' | 'guild' | 'total';
export type LeaseGrant = { granted: true; release(): void } | { granted: false; cap: LeaseCap };

/**
 * Running slots for the fair-use caps. Local: counters in this process (one process, as before).
 * Redis: every process's slots, each an expiring lease renewed while its generation runs, so a
 * killed process's slots free themselves within LEASE_TTL_MS.
 */
export interface Leases {
	/** Takes a slot for the user, the server and the bot, or says which cap is full. */
	acquire(holder: { userId: string; guildId: string | null }): Promise<LeaseGrant>;
	/** Slots this process holds now. */
	readonly heldHere: number;
	/** Stops renewing (the leases then expire); for shutdown. */
	close(): void;
}

/** A killed process's slots are free again after at most this long. */
export const LEASE_TTL_MS = 15_000;
const RENEW_EVERY_MS = 5_000;

export function createLeases(keyv: Keyv, limits: LeaseLimits, onError: (error: unknown) => void): Leases {
	return keyv.store instanceof KeyvRedis ? new RedisLeases(keyv.store as KeyvRedis<unknown>, limits, onError) : new LocalLeases(limits);
}

class LocalLeases implements Leases {
	private readonly perUser = new Map<string, number>();
	private readonly perGuild = new Map<string, number>();
	private total = 0;

	public constructor(private readonly limits: LeaseLimits) {}

	public get heldHere(): number {
		return this.total;
	}

	public async acquire({ userId, guildId }: { userId: string; guildId: string | null }): Promise<LeaseGrant> {
		const over = (limit: number, count: number): boolean => limit > 0 && count >= limit;
		if (over(this.limits.perUser, this.perUser.get(userId) ?? 0)) return { granted: false, cap: 'user' };
		if (guildId && over(this.limits.perGuild, this.perGuild.get(guildId) ?? 0)) return { granted: false, cap: 'guild' };
		if (over(this.limits.total, this.total)) return { granted: false, cap: 'total' };
		this.perUser.set(userId, (this.perUser.get(userId) ?? 0) + 1);
		if (guildId) this.perGuild.set(guildId, (this.perGuild.get(guildId) ?? 0) + 1);
		this.total += 1;
		return granted(() => {
			decrement(this.perUser, userId);
			if (guildId) decrement(this.perGuild, guildId);
			this.total -= 1;
		});
	}

	public close(): void {}
}

/**
 * KEYS: the user's, the server's and the bot's lease sets (sorted sets: lease id -> expiry in ms).
 * ARGV: lease id, ttl ms, the three limits (0 = none), '1' when there is a server.
 * Drops expired leases, refuses with the index of the first full cap (1, 2, 3), else adds the lease
 * to every set and returns 0. Redis's clock decides expiry, so the processes' clocks do not matter.
 */
const ACQUIRE = `
local time = redis.call('TIME')
local now = tonumber(time[1]) * 1000 + math.floor(tonumber(time[2]) / 1000)
local ttl = tonumber(ARGV[2])
for i = 1, 3 do
	if i ~= 2 or ARGV[6] == '1' then
		redis.call('ZREMRANGEBYSCORE', KEYS[i], '-inf', now)
		local limit = tonumber(ARGV[2 + i])
		if limit > 0 and redis.call('ZCARD', KEYS[i]) >= limit then return i end
	end
end
for i = 1, 3 do
	if i ~= 2 or ARGV[6] == '1' then
		redis.call('ZADD', KEYS[i], now + ttl, ARGV[1])
		redis.call('PEXPIRE', KEYS[i], ttl)
	end
end
return 0
`;

/** Pushes the expiry of live leases (ARGV[1], ARGV[2]… in every KEYS set they are still in). */
const RENEW = `
local time = redis.call('TIME')
local expiry = tonumber(time[1]) * 1000 + math.floor(tonumber(time[2]) / 1000) + tonumber(ARGV[1])
for i = 1, #KEYS do
	for j = 2, #ARGV do
		redis.call('ZADD', KEYS[i], 'XX', expiry, ARGV[j])
	end
	redis.call('PEXPIRE', KEYS[i], tonumber(ARGV[1]))
end
return 0
`;

const CAPS: readonly LeaseCap[] = ['user', 'guild', 'total'];

class RedisLeases implements Leases {
	/** Lease id -> the sets it is in. */
	private readonly held = new Map<string, string[]>();
	private timer: NodeJS.Timeout | undefined;
	private sequence = 0;
	private readonly processTag = `${process.pid}-${Math.random().toString(36).slice(2, 8)}`;

	public constructor(
		private readonly adapter: KeyvRedis<unknown>,
		private readonly limits: LeaseLimits,
		private readonly onError: (error: unknown) => void,
	) {}

	public get heldHere(): number {
		return this.held.size;
	}

	public async acquire({ userId, guildId }: { userId: string; guildId: string | null }): Promise<LeaseGrant> {
		const client = await this.adapter.getClient();
		const keys = [this.key(`user:${userId}`), this.key(`guild:${guildId ?? 'dm'}`), this.key('total')];
		const id = `${this.processTag}-${(this.sequence += 1)}`;
		const { perUser, perGuild, total } = this.limits;
		const refused = Number(
			await client.eval(ACQUIRE, {
				keys,
				arguments: [id, String(LEASE_TTL_MS), String(perUser), String(perGuild), String(total), guildId ? '1' : '0'],
			}),
		);
		if (refused > 0) return { granted: false, cap: CAPS[refused - 1]! };
		const sets = guildId ? keys : [keys[0]!, keys[2]!];
		this.held.set(id, sets);
		this.timer ??= setInterval(() => this.renew(), RENEW_EVERY_MS).unref();
		return granted(() => {
			this.held.delete(id);
			if (this.held.size === 0) this.stopRenewing();
			// If this fails the lease simply expires.
			void Promise.all(sets.map((set) => client.zRem(set, id))).catch(this.onError);
		});
	}

	public close(): void {
		this.stopRenewing();
	}

	private renew(): void {
		const bySet = new Map<string, string[]>();
		for (const [id, sets] of this.held) for (const set of sets) bySet.set(set, [...(bySet.get(set) ?? []), id]);
		void this.adapter
			.getClient()
			.then((client) =>
				Promise.all(
					[...bySet].map(([set, ids]) => client.eval(RENEW, { keys: [set], arguments: [String(LEASE_TTL_MS), ...ids] })),
				),
			)
			.catch(this.onError);
	}

	private stopRenewing(): void {
		clearInterval(this.timer);
		this.timer = undefined;
	}

	private key(name: string): string {
		return this.adapter.createKeyPrefix(`lease:${name}`, this.adapter.namespace);
	}
}

/** A granted slot whose release runs once, however often it is called (a finally and a Stop may both call it). */
function granted(release: () => void): LeaseGrant {
	let released = false;
	return {
		granted: true,
		release: () => {
			if (released) return;
			released = true;
			release();
		},
	};
}

function decrement(counts: Map<string, number>, key: string): void {
	const next = (counts.get(key) ?? 1) - 1;
	if (next <= 0) counts.delete(key);
	else counts.set(key, next);
}
