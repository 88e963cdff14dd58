/** One read, every change in order, one write: what a batch of updates to one key costs. */
export type ReadModifyWrite = <T>(key: string, apply: (current: T | undefined) => T | undefined) => Promise<void>;

interface Waiting {
	change: (current: never) => unknown;
	signal: AbortSignal;
	resolve(value: unknown): void;
	reject(error: unknown): void;
}

type Outcome = { value: unknown } | { error: unknown };

/**
 * Updates of one key, one batch at a time: every update that arrives while a batch is being read and
 * written joins the next batch, which then reads once, applies each change in order of arrival and
 * writes once. Under a burst (a thousand stories ending within seconds into twenty rosters) a key
 * costs one round trip per batch instead of one per update, and the queue cannot outgrow the store's
 * time bound. Each caller still gets its own result: the value after its change, or the error its
 * change threw, which leaves the others' changes in the batch untouched.
 */
export class BatchedUpdates {
	/** The batch of each key that has not started yet: new updates join it. */
	private readonly open = new Map<string, Waiting[]>();
	/** The batch of each key being read and written, so the next one starts after it. */
	private readonly running = new Map<string, Promise<void>>();

	public constructor(private readonly readModifyWrite: ReadModifyWrite) {}

	/** Resolves with the value after `change` (undefined when it left the value as it was). */
	public update<T>(key: string, change: (current: T | undefined) => T | undefined, signal: AbortSignal): Promise<T | undefined> {
		return new Promise<T | undefined>((resolve, reject) => {
			const waiting: Waiting = { change: change as Waiting['change'], signal, resolve: resolve as Waiting['resolve'], reject };
			const batch = this.open.get(key);
			if (batch) {
				batch.push(waiting);
				return;
			}
			const next = [waiting];
			this.open.set(key, next);
			const previous = this.running.get(key) ?? Promise.resolve();
			const run = previous.then(() => this.run(key, next));
			this.running.set(key, run);
			void run.then(() => {
				if (this.running.get(key) === run) this.running.delete(key);
			});
		});
	}

	private async run(key: string, batch: Waiting[]): Promise<void> {
		// Closed: updates from now on wait for the next batch.
		this.open.delete(key);
		let outcomes = new Map<Waiting, Outcome>();
		try {
			// `apply` may run more than once (a compare-and-set retried), so it starts over each time.
			await this.readModifyWrite(key, (current: unknown) => {
				outcomes = new Map();
				let state = current;
				let changed = false;
				for (const waiting of batch) {
					if (waiting.signal.aborted) {
						outcomes.set(waiting, { error: waiting.signal.reason });
						continue;
					}
					try {
						const next = waiting.change(state as never);
						outcomes.set(waiting, { value: next });
						if (next !== undefined) {
							state = next;
							changed = true;
						}
					} catch (error) {
						outcomes.set(waiting, { error });
					}
				}
				return changed ? state : undefined;
			});
		} catch (error) {
			for (const waiting of batch) waiting.reject(error);
			return;
		}
		for (const waiting of batch) {
			const outcome = outcomes.get(waiting) ?? { error: new Error(`the store's read-modify-write of ${key} never applied the changes`) };
			if ('error' in outcome) waiting.reject(outcome.error);
			else waiting.resolve(outcome.value);
		}
	}
}
