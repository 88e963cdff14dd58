export type Settled<Value> = { ok: true; value: Value } | { ok: false; error?: unknown };

/**
 * Waits for a lookup at most `ms`. Used before answering an interaction, where a stuck store must
 * not eat the 3 seconds Discord allows: a late or failed lookup is `ok: false` and the caller decides.
 */
export async function settleWithin<Value>(promise: Promise<Value>, ms: number): Promise<Settled<Value>> {
	let timer: NodeJS.Timeout | undefined;
	const timedOut = new Promise<Settled<Value>>((resolve) => {
		timer = setTimeout(() => resolve({ ok: false }), ms);
	});
	try {
		return await Promise.race([
			promise.then(
				(value): Settled<Value> => ({ ok: true, value }),
				(error: unknown): Settled<Value> => ({ ok: false, error }),
			),
			timedOut,
		]);
	} finally {
		clearTimeout(timer);
	}
}
