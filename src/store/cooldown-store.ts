import type Keyv from 'keyv';
import { runBounded } from './bounded.js';
import { type CooldownStore, SCHEMA_VERSION } from './types.js';

export interface StoredCooldown {
	version: typeof SCHEMA_VERSION;
	untilMs: number;
}

/** Cooldowns as keys with a TTL, so finished ones disappear without any cleanup job. */
export class KeyvCooldownStore implements CooldownStore {
	public constructor(
		private readonly keyv: Keyv,
		private readonly timeoutMs: number,
	) {}

	public async get(userId: string): Promise<number | undefined> {
		return runBounded('cooldowns.get', this.timeoutMs, async () => {
			const stored = await this.keyv.get<StoredCooldown>(cooldownKey(userId));
			// SQLite keeps expired rows until read (keyv checks expiry lazily), so also compare the time.
			if (stored?.version !== SCHEMA_VERSION || stored.untilMs <= Date.now()) {
				return undefined;
			}
			return stored.untilMs;
		});
	}

	public async set(userId: string, untilMs: number): Promise<void> {
		await runBounded('cooldowns.set', this.timeoutMs, async () => {
			const ttlMs = Math.ceil(untilMs - Date.now());
			// keyv reads a TTL of 0 as "never expires", so an already-finished cooldown is deleted instead.
			if (ttlMs <= 0) {
				await this.keyv.delete(cooldownKey(userId));
				return;
			}
			const stored: StoredCooldown = { version: SCHEMA_VERSION, untilMs };
			await this.keyv.set(cooldownKey(userId), stored, ttlMs);
		});
	}
}

export function cooldownKey(userId: string): string {
	return `user:${userId}`;
}
