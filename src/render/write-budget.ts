/**
 * One reply's write budget: a sliding window of our own writes that mirrors Discord's per-token bucket
 * (about 5 writes per 2 s for an interaction's webhook), corrected by what Discord reports. The renderer
 * asks it when the next write may start; the pacing interval is a separate, stricter rule for ordinary
 * edits. Pure and clock-injected, so fake timers test it.
 */

/** What Discord said about the bucket after a write (the X-RateLimit-* headers) or in a 429. */
export interface BudgetReport {
	/** X-RateLimit-Limit: writes per window. */
	limit?: number;
	/** X-RateLimit-Remaining: writes left before the bucket resets. */
	remaining?: number;
	/** X-RateLimit-Reset-After, in ms: when the bucket refills. */
	resetAfterMs?: number;
	/** A 429 (or discord.js holding the queue): no write to this reply before this many ms. */
	retryAfterMs?: number;
}

export interface WriteBudgetOptions {
	/** Writes per window before Discord says otherwise. One below Discord's usual 5, as a margin. */
	limit?: number;
	windowMs?: number;
	now?: () => number;
}

/** Discord's interaction-webhook bucket is 5 per 2 s; we keep one write of margin for anything else on the token. */
export const DEFAULT_WRITE_BUDGET = { limit: 4, windowMs: 2_000 } as const;
/** Writes we leave Discord's reported limit for writes outside the renderer (a private note, a button reply). */
const MARGIN = 1;

export class WriteBudget {
	private limit: number;
	private readonly windowMs: number;
	private readonly now: () => number;
	/** Start times of our writes inside the window, oldest first. */
	private readonly starts: number[] = [];
	private blockedUntil = Number.NEGATIVE_INFINITY;

	public constructor(options: WriteBudgetOptions = {}) {
		this.limit = options.limit ?? DEFAULT_WRITE_BUDGET.limit;
		this.windowMs = options.windowMs ?? DEFAULT_WRITE_BUDGET.windowMs;
		this.now = options.now ?? Date.now;
	}

	/** A write to this reply starts now. */
	public record(): void {
		this.starts.push(this.now());
		this.forgetOld();
	}

	/** The earliest moment a new write may start without exceeding the bucket. */
	public nextSlotAt(): number {
		this.forgetOld();
		const full = this.starts.length >= this.limit ? (this.starts[this.starts.length - this.limit] ?? 0) + this.windowMs : 0;
		return Math.max(full, this.blockedUntil);
	}

	/** Folds in what Discord said: its limit (less our margin), an empty bucket, or a 429's wait. */
	public report(report: BudgetReport): void {
		const at = this.now();
		if (report.limit !== undefined && Number.isFinite(report.limit) && report.limit > 0) {
			this.limit = Math.max(1, report.limit - MARGIN);
		}
		if (report.remaining === 0 && report.resetAfterMs !== undefined) {
			this.blockedUntil = Math.max(this.blockedUntil, at + report.resetAfterMs);
		}
		if (report.retryAfterMs !== undefined) {
			this.blockedUntil = Math.max(this.blockedUntil, at + report.retryAfterMs);
		}
	}

	private forgetOld(): void {
		const horizon = this.now() - this.windowMs;
		while (this.starts.length > 0 && (this.starts[0] ?? 0) <= horizon) this.starts.shift();
	}
}
