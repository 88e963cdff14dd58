/**
 * What the streaming renderer asks of a place that shows messages (Discord, a terminal, a test fake).
 * The renderer never imports discord.js; an adapter implements this interface.
 */
import type { BudgetReport } from './write-budget.js';

/**
 * - `writing`: the last message while text is still arriving.
 * - `complete`: the last message of a backstory that finished normally.
 * - `ended`: any other finished message (an earlier part, or the end of a stopped or failed run).
 */
export type MessageState = 'writing' | 'complete' | 'ended';

export interface MessageView {
	content: string;
	state: MessageState;
}

export interface ReplyTarget {
	/** Edits message `index` (0 is the deferred reply itself, which already exists). */
	edit(index: number, view: MessageView): Promise<void>;
	/** Creates message `index` (> 0) as a follow-up after message `index - 1`. */
	create(index: number, view: MessageView): Promise<void>;
	/**
	 * Optional: calls `listener` with what the platform says about this reply's rate-limit bucket
	 * (after each write, and when a write is held by a 429). Returns the unsubscribe function.
	 */
	onBudgetReport?(listener: (report: BudgetReport) => void): () => void;
}

/**
 * Thrown by a ReplyTarget when the message can no longer be written (deleted, token expired):
 * the renderer stops at once instead of retrying. Any other error is treated as transient.
 */
export class DeliveryLostError extends Error {
	public override readonly name = 'DeliveryLostError';
}
