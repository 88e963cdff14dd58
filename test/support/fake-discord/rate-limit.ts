import type { Reply } from './http.js';

/**
 * One bucket hash for every route of a webhook token. discord.js keys its queues by bucket hash plus
 * major parameter (`app/token`), so sharing the hash makes it serialize all writes of one token,
 * as it does against Discord once it has learnt the bucket.
 */
const BUCKET_HASH = 'fake0webhook0token0bucket';

export type BucketVerdict = { limited: false; headers: Record<string, string> } | { limited: true; reply: Reply };

/** Sliding-window limiter: at most `limit` accepted requests per key within any `windowMs`. */
export class SlidingWindowLimiter {
	readonly #hits = new Map<string, number[]>();

	constructor(
		readonly limit: number,
		readonly windowMs: number,
	) {}

	take(key: string, now = performance.now()): BucketVerdict {
		const hits = (this.#hits.get(key) ?? []).filter((t) => now - t < this.windowMs);
		this.#hits.set(key, hits);
		if (hits.length >= this.limit) {
			const retryAfterMs = (hits[0] as number) + this.windowMs - now;
			return { limited: true, reply: rateLimitedReply(retryAfterMs, this.headers(0, retryAfterMs)) };
		}
		hits.push(now);
		// A slot frees when the oldest hit in the window leaves it.
		const resetAfterMs = (hits[0] as number) + this.windowMs - now;
		return { limited: false, headers: this.headers(this.limit - hits.length, resetAfterMs) };
	}

	headers(remaining: number, resetAfterMs: number): Record<string, string> {
		const resetAfter = Math.max(0, resetAfterMs) / 1000;
		return {
			'x-ratelimit-limit': String(this.limit),
			'x-ratelimit-remaining': String(remaining),
			'x-ratelimit-reset': ((Date.now() + resetAfterMs) / 1000).toFixed(3),
			'x-ratelimit-reset-after': resetAfter.toFixed(3),
			'x-ratelimit-bucket': BUCKET_HASH,
		};
	}
}

/** Discord's 429: float seconds in the body, whole seconds in Retry-After. */
export function rateLimitedReply(retryAfterMs: number, extraHeaders: Record<string, string> = {}): Reply {
	const seconds = Math.max(0, retryAfterMs) / 1000;
	return {
		status: 429,
		body: { message: 'You are being rate limited.', retry_after: Number(seconds.toFixed(3)), global: false },
		headers: {
			...extraHeaders,
			'retry-after': String(Math.max(1, Math.ceil(seconds))),
			'x-ratelimit-scope': 'user',
		},
	};
}
