/**
 * One /talk message at a time per conversation (place and character) inside this process, so a
 * table's messages all land in one Convai session. A conversation lives in one channel, and a
 * channel's interactions reach one shard, so a per-process queue is enough even with many shards.
 *
 * Unlike the roster (whose writes are atomic in the store), a turn here may be given up when its
 * caller aborts (Stop, a shutdown): a stuck Convai call must not hold the conversation forever, and
 * the worst a late finisher can do is leave a session id the next message replaces.
 */
export class ConversationTurns {
	/** The promise the next caller for a key must wait for; removed once nobody is queued. */
	private readonly tails = new Map<string, Promise<void>>();

	/**
	 * Runs `work` once every earlier holder of `key` has finished. The turn is also released when
	 * `signal` aborts; a caller whose signal aborts while still waiting never runs `work` at all.
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
