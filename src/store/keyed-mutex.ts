/**
 * Serialises async critical sections per key inside this process (here: per roster, so two saves
 * to one roster cannot both read the same index and lose one of the writes).
 */
export class KeyedMutex {
	/** The promise the next caller for a key must wait for; removed once nobody is queued. */
	private readonly tails = new Map<string, Promise<void>>();

	/**
	 * Runs `work` once every earlier holder of `key` has finished. The lock is also released when
	 * `signal` aborts, so a holder stuck on a dead connection cannot block the roster forever; a
	 * caller whose signal aborts while still waiting never runs `work` at all.
	 */
	public async run<T>(key: string, signal: AbortSignal, work: () => Promise<T>): Promise<T> {
		const previous = this.tails.get(key) ?? Promise.resolve();
		let release!: () => void;
		const released = new Promise<void>((resolve) => {
			release = resolve;
		});
		const tail = previous.then(() => released);
		this.tails.set(key, tail);
		const onAbort = (): void => release();
		signal.addEventListener('abort', onAbort, { once: true });
		try {
			await previous;
			signal.throwIfAborted();
			return await work();
		} finally {
			signal.removeEventListener('abort', onAbort);
			release();
			if (this.tails.get(key) === tail) {
				this.tails.delete(key);
			}
		}
	}
}
