import { RosterFullError, StoreUnavailableError } from './errors.js';

export const DEFAULT_STORE_TIMEOUT_MS = 2000;

let failureListener: ((error: StoreUnavailableError) => void) | undefined;

/** Told about every store call that failed or timed out (the store-errors metric). One listener per process. */
export function onStoreFailure(listener: ((error: StoreUnavailableError) => void) | undefined): void {
	failureListener = listener;
}

/**
 * Runs one user-visible store operation (which may make several keyv calls) with a total time limit.
 * Any failure that is not a store rule (RosterFullError) becomes a StoreUnavailableError, so callers
 * handle exactly one "store is down" case whatever the adapter threw.
 *
 * `work` receives a signal that aborts at the deadline: multi-step writes check it between steps so
 * a timed-out save does not finish writing after we already told the user it failed.
 */
export async function runBounded<T>(
	operation: string,
	timeoutMs: number,
	work: (signal: AbortSignal) => Promise<T>,
): Promise<T> {
	const controller = new AbortController();
	let timer: NodeJS.Timeout | undefined;
	const deadline = new Promise<never>((_, reject) => {
		timer = setTimeout(() => {
			const error = new StoreUnavailableError(operation, { cause: new Error(`no answer within ${timeoutMs} ms`) });
			controller.abort(error);
			reject(error);
		}, timeoutMs);
	});
	try {
		// Promise.race subscribes to both, so a late rejection of `work` is handled, not "unhandled".
		return await Promise.race([work(controller.signal), deadline]);
	} catch (error) {
		if (error instanceof RosterFullError) throw error;
		const failure = error instanceof StoreUnavailableError ? error : new StoreUnavailableError(operation, { cause: error });
		failureListener?.(failure);
		throw failure;
	} finally {
		clearTimeout(timer);
	}
}
