import type Keyv from 'keyv';
import { type AtomicValues, atomicValues } from './atomic.js';
import { runBounded } from './bounded.js';
import { cooldownKey, type StoredCooldown } from './cooldown-store.js';
import { SCHEMA_VERSION } from './types.js';

/**
 * Taking a cooldown as one step: check and write cannot be split by another command, in this process
 * or another (Redis SET NX PX; one operation at a time per user in one process). Same records as
 * KeyvCooldownStore, which still reads them.
 */
export class AtomicCooldowns {
	private readonly atomic: AtomicValues;

	public constructor(
		keyv: Keyv,
		private readonly timeoutMs: number,
	) {
		this.atomic = atomicValues(keyv);
	}

	/** Starts the user's cooldown until `untilMs`; resolves undefined when taken, else when the running one ends. */
	public async take(userId: string, untilMs: number): Promise<number | undefined> {
		return runBounded('cooldowns.take', this.timeoutMs, async () => {
			const stored: StoredCooldown = { version: SCHEMA_VERSION, untilMs };
			const running = await this.atomic.setIfAbsent<StoredCooldown>(cooldownKey(userId), stored, untilMs - Date.now());
			// SQLite keeps expired rows until read; keyv drops them on read, this guards the instant between.
			if (running === undefined || running.version !== SCHEMA_VERSION || running.untilMs <= Date.now()) return undefined;
			return running.untilMs;
		});
	}
}
