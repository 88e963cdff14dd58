import { DISCORD_MESSAGE_LIMIT, fits, takePiece } from './split.js';
import { DeliveryLostError, type MessageView, type ReplyTarget } from './types.js';

/** The line under a message still being written; `line` is already in the reader's language. */
export function writingMarker(line: string): string {
	return `\n\n-# ✍️ ${line}`;
}
/** Consecutive failed writes after which a reply is given up as undeliverable. */
const MAX_CONSECUTIVE_FAILURES = 5;
const MAX_BACKOFF_MS = 10_000;
/**
 * A follow-up that continues a message just finished goes out this soon after it, so a reader is not
 * left a whole interval with the story cut mid-thought. Only one create a time gets the short gap, so
 * a reply stays within Discord's 5 writes per 2 seconds.
 */
const ROLLOVER_GAP_MS = 250;

export interface StreamRendererOptions {
	/** Minimum time between the starts of two writes to this reply. */
	intervalMs: number;
	/** Shown at the top of the first message, e.g. the character's name (already markdown-escaped). */
	header?: string;
	/** The "writing…" line under the last message while text arrives, already translated. */
	writingLine: string;
	limit?: number;
	now?: () => number;
}

export interface FinishOptions {
	/** True when the upstream delivered the whole text. */
	complete: boolean;
	/** A short explanation shown at the end (interrupted, timed out, stopped by …). */
	notice?: string;
}

export interface StreamRenderer {
	/** Adds text; it is shown at the next allowed write. */
	append(text: string): void;
	/** Settles the final state of every message; resolves once it is shown or the reply is lost. */
	finish(options: FinishOptions): Promise<void>;
	/** Aborted when the reply can no longer be written (the caller should stop the upstream). */
	readonly lost: AbortSignal;
	/** Everything appended so far. */
	readonly text: string;
}

/**
 * Streams a growing text into a series of messages, one write in flight at a time and at most one
 * write per interval. Nothing is queued: each write sends whatever is newest, so a slow or
 * rate-limited Discord costs freshness, never text. Parts that overflow a message are frozen at the
 * best boundary and never change again; only the last message is edited as the text grows.
 */
export function createStreamRenderer(target: ReplyTarget, options: StreamRendererOptions): StreamRenderer {
	const limit = options.limit ?? DISCORD_MESSAGE_LIMIT;
	const header = options.header ?? '';
	const now = options.now ?? Date.now;
	const lostController = new AbortController();
	const marker = writingMarker(options.writingLine);

	let text = '';
	const frozen: string[] = [];
	let tailStart = 0;
	let tailCarry = '';
	const shown: (MessageView | undefined)[] = [];

	let finishing: FinishOptions | undefined;
	let inFlight = false;
	let lastWriteAt = Number.NEGATIVE_INFINITY;
	let lastWriteCreated = false;
	let failures = 0;
	let retryAt = Number.NEGATIVE_INFINITY;
	let timer: NodeJS.Timeout | undefined;
	let settled: (() => void) | undefined;
	const whenSettled = new Promise<void>((resolve) => {
		settled = resolve;
	});

	const headerFor = (index: number): string => (index === 0 ? header : '');

	const tailSuffix = (): string => {
		if (!finishing) return marker;
		return finishing.notice ? `\n\n*${finishing.notice}*` : '';
	};

	/** Freezes whole messages off the front of the tail while the tail does not fit in one message. */
	const freezeOverflow = (): void => {
		for (;;) {
			const rest = text.slice(tailStart);
			const room = limit - headerFor(frozen.length).length;
			if (fits(rest, room - tailSuffix().length, tailCarry)) return;
			const piece = takePiece(rest, room, tailCarry);
			frozen.push(headerFor(frozen.length) + piece.content);
			tailStart += piece.consumed;
			tailCarry = piece.carry;
		}
	};

	const desiredViews = (): MessageView[] => {
		const views: MessageView[] = frozen.map((content) => ({ content, state: 'ended' }));
		const rest = text.slice(tailStart);
		const index = frozen.length;
		if (rest.trim() === '') {
			// Discord rejects empty messages and a marker alone says nothing: only a notice earns a message here.
			// (The rest only grows, so a tail that was ever shown is never blank.)
			// With nothing frozen either, the notice is all there is to say: a warning, not a footnote.
			if (finishing?.notice) {
				views.push({ content: index === 0 ? `⚠️ ${finishing.notice}` : `*${finishing.notice}*`, state: 'ended' });
			}
			return views;
		}
		// freezeOverflow guarantees the tail fits, so this piece takes all of it (closing an open fence).
		const suffix = tailSuffix();
		const room = limit - headerFor(index).length - suffix.length;
		const content = headerFor(index) + takePiece(rest, room, tailCarry).content + suffix;
		const state = !finishing ? 'writing' : finishing.complete ? 'complete' : 'ended';
		views.push({ content, state });
		return views;
	};

	const nextWrite = (): { index: number; view: MessageView } | undefined => {
		const views = desiredViews();
		for (const [index, view] of views.entries()) {
			const current = shown[index];
			if (!current || current.content !== view.content || current.state !== view.state) return { index, view };
		}
		return undefined;
	};

	const settle = (): void => {
		if (timer) clearTimeout(timer);
		timer = undefined;
		settled?.();
	};

	const pump = (): void => {
		// A scheduled write will send whatever is newest when it fires: no need to look now.
		if (inFlight || timer || lostController.signal.aborted) return;
		const write = nextWrite();
		if (!write) {
			if (finishing) settle();
			return;
		}
		const exists = write.index === 0 || shown[write.index] !== undefined;
		const gap = exists || lastWriteCreated ? options.intervalMs : Math.min(options.intervalMs, ROLLOVER_GAP_MS);
		const wait = Math.max(lastWriteAt + gap, retryAt) - now();
		if (wait > 0) {
			timer = setTimeout(() => {
				timer = undefined;
				pump();
			}, wait);
			return;
		}
		inFlight = true;
		lastWriteAt = now();
		lastWriteCreated = !exists;
		const request = exists ? target.edit(write.index, write.view) : target.create(write.index, write.view);
		request.then(
			() => {
				shown[write.index] = write.view;
				failures = 0;
			},
			(error: unknown) => {
				failures += 1;
				if (error instanceof DeliveryLostError || failures >= MAX_CONSECUTIVE_FAILURES) {
					lostController.abort(error);
					settle();
					return;
				}
				retryAt = now() + Math.min(options.intervalMs * 2 ** failures, MAX_BACKOFF_MS);
			},
		).finally(() => {
			inFlight = false;
			pump();
		});
	};

	return {
		append(piece: string): void {
			if (finishing || piece === '') return;
			text += piece;
			freezeOverflow();
			pump();
		},
		finish(finishOptions: FinishOptions): Promise<void> {
			if (!finishing) {
				finishing = finishOptions;
				freezeOverflow();
				if (lostController.signal.aborted) settle();
				pump();
			}
			return whenSettled;
		},
		get lost() {
			return lostController.signal;
		},
		get text() {
			return text;
		},
	};
}
