import { text, type Text } from '../i18n/text.js';

/**
 * Errors raised by the character store. Their messages are English for logs; `text` is what people
 * in Discord read (translated where it is shown), though commands usually pick their own sentence
 * (e.g. "your backstory was still written but could not be saved") from the structured fields.
 */

/**
 * The backing store (SQLite file or Redis) failed or did not answer in time. Callers should tell
 * the user and carry on: a store outage must never block or crash backstory generation.
 */
export class StoreUnavailableError extends Error {
	public override readonly name = 'StoreUnavailableError';
	/** Which store call failed, e.g. `characters.save`; for logs and for choosing the wording. */
	public readonly operation: string;
	public readonly text: Text = text('store.unavailable');

	public constructor(operation: string, options: { cause?: unknown } = {}) {
		super(`The character store is unavailable (${operation} failed or timed out).`, { cause: options.cause });
		this.operation = operation;
	}
}

/** A roster (a server's public list, or one person's private list) already holds `cap` characters. */
export class RosterFullError extends Error {
	public override readonly name = 'RosterFullError';
	public readonly cap: number;
	public readonly text: Text;

	public constructor(cap: number) {
		super(`This roster is full (${cap} characters).`);
		this.cap = cap;
		this.text = text('store.rosterFull', { count: cap });
	}
}

/** STORE_URL could not be understood; raised at startup so a typo fails loudly, not on first use. */
export class StoreConfigError extends Error {
	public override readonly name = 'StoreConfigError';
}
