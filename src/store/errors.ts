/**
 * Errors raised by the character store. Their messages are written for people in Discord, but
 * commands usually pick their own sentence (e.g. "your backstory was still written but could not
 * be saved"), which is why each error also carries structured fields.
 */

/**
 * The backing store (SQLite file or Redis) failed or did not answer in time. Callers should tell
 * the user and carry on: a store outage must never block or crash backstory generation.
 */
export class StoreUnavailableError extends Error {
	public override readonly name = 'StoreUnavailableError';
	/** Which store call failed, e.g. `characters.save`; for logs and for choosing the wording. */
	public readonly operation: string;

	public constructor(operation: string, options: { cause?: unknown } = {}) {
		super('The character store is unavailable right now. Please try again later.', { cause: options.cause });
		this.operation = operation;
	}
}

/** A roster (a server's public list, or one person's private list) already holds `cap` characters. */
export class RosterFullError extends Error {
	public override readonly name = 'RosterFullError';
	public readonly cap: number;

	public constructor(cap: number) {
		super(`This roster is full (${cap} characters). Delete a character before saving a new one.`);
		this.cap = cap;
	}
}

/** STORE_URL could not be understood; raised at startup so a typo fails loudly, not on first use. */
export class StoreConfigError extends Error {
	public override readonly name = 'StoreConfigError';
}
