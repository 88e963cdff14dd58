import { DISCORD_MESSAGE_LIMIT, fits, LOOKAHEAD, takePiece } from './split.js';
import { DeliveryLostError, type MessageView, type ReplyTarget } from './types.js';
import { WriteBudget, type WriteBudgetOptions } from './write-budget.js';

/** The line under a message still being written; `line` is already in the reader's language. */
export function writingMarker(line: string): string {
	return `\n\n-# ✍️ ${line}`;
}
/** Consecutive failed writes after which a reply is given up as undeliverable. */
const MAX_CONSECUTIVE_FAILURES = 5;
const MAX_BACKOFF_MS = 10_000;

export interface StreamRendererOptions {
	/** Minimum time between the starts of two writes to this reply. */
	intervalMs: number;
	/** Shown at the top of the first message, e.g. the character's name (already markdown-escaped). */
	header?: string;
	/** The "writing…" line under the last message while text arrives, already translated. */
	writingLine: string;
	limit?: number;
	/**
	 * Stretches `intervalMs` for ordinary edits while the process is saturated (1: as configured). The
	 * first text, the final write and a rollover's new message never wait for it.
	 */
	paceFactor?: () => number;
	/** The reply's rate-limit bucket before Discord reports its own (default 4 writes per 2 s). */
	budget?: Omit<WriteBudgetOptions, 'now'>;
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
 * Streams a growing text into a series of messages, one write in flight at a time. Ordinary edits
 * are at least `intervalMs` apart; the first text, the final write and a rollover's new message go
 * as soon as the reply's write budget allows. Nothing is
 * queued: each write sends whatever is newest, so a slow or rate-limited Discord costs freshness,
 * never text. Parts that overflow a message are frozen exactly where `splitText` would cut the
 * finished text and never change again; only the last message is edited as the text grows.
 */
export function createStreamRenderer(target: ReplyTarget, options: StreamRendererOptions): StreamRenderer {
	const limit = options.limit ?? DISCORD_MESSAGE_LIMIT;
	const header = options.header ?? '';
	const now = options.now ?? Date.now;
	const lostController = new AbortController();
	const marker = writingMarker(options.writingLine);
	const budget = new WriteBudget({ ...options.budget, now });
	const unsubscribe = target.onBudgetReport?.((report) => budget.report(report));

	let text = '';
	const frozen: string[] = [];
	let tailStart = 0;
	let tailCarry = '';
	const shown: (MessageView | undefined)[] = [];

	let finishing: FinishOptions | undefined;
	let inFlight = false;
	let lastWriteAt = Number.NEGATIVE_INFINITY;
	let failures = 0;
	let retryAt = Number.NEGATIVE_INFINITY;
	let timer: NodeJS.Timeout | undefined;
	let timerDueAt = Number.POSITIVE_INFINITY;
	let settled: (() => void) | undefined;
	const whenSettled = new Promise<void>((resolve) => {
		settled = resolve;
	});

	const headerFor = (index: number): string => (index === 0 ? header : '');

	const tailSuffix = (): string => {
		if (!finishing) return marker;
		return finishing.notice ? `\n\n*${finishing.notice}*` : '';
	};

	/**
	 * Freezes whole messages off the front of the tail. While streaming, only once the tail runs
	 * LOOKAHEAD units past a message: takePiece then sees everything it would see in the finished
	 * text, so the cut is the one splitText makes (never where the latest event happened to end,
	 * which is mid-word or mid-emoji with token-sized events). At the end, whenever the tail and
	 * its notice do not fit.
	 */
	const freezeOverflow = (): void => {
		for (;;) {
			const room = limit - headerFor(frozen.length).length;
			// Measured without slicing: a slice flattens the whole appended text, once per event otherwise.
			if (!finishing && text.length - tailStart < room - tailCarry.length + LOOKAHEAD) return;
			const rest = text.slice(tailStart);
			if (finishing && fits(rest, room - tailSuffix().length, tailCarry)) return;
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
		// Once finishing, freezeOverflow guarantees the tail fits, so this piece takes all of it (closing an
		// open fence). While streaming, a tail about to be frozen may not fit beside the marker: it shows up
		// to a clean boundary, and the rest follows in the next message.
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

	const clearTimer = (): void => {
		if (timer) clearTimeout(timer);
		timer = undefined;
		timerDueAt = Number.POSITIVE_INFINITY;
	};

	const settle = (): void => {
		clearTimer();
		unsubscribe?.();
		settled?.();
	};

	/** `recheck`: something urgent may have come up, so a pending timer is not a reason to skip looking. */
	const pump = (recheck = false): void => {
		if (inFlight || lostController.signal.aborted || (timer && !recheck)) return;
		const write = nextWrite();
		if (!write) {
			if (finishing) settle();
			return;
		}
		const exists = write.index === 0 || shown[write.index] !== undefined;
		// Readers wait on these; ordinary edits of a growing message only add a few words. A message's
		// freeze is paced like any edit (it is the edit that would have come next anyway, so a rollover
		// costs no extra write), and the new message that continues it follows at once.
		const urgent = finishing !== undefined || !exists || shown[0] === undefined;
		const pace = urgent ? 0 : lastWriteAt + options.intervalMs * (options.paceFactor?.() ?? 1);
		const dueAt = Math.max(pace, budget.nextSlotAt(), retryAt);
		if (dueAt > now()) {
			if (timer && timerDueAt <= dueAt) return;
			clearTimer();
			timerDueAt = dueAt;
			timer = setTimeout(() => {
				timer = undefined;
				timerDueAt = Number.POSITIVE_INFINITY;
				pump();
			}, dueAt - now());
			return;
		}
		clearTimer();
		inFlight = true;
		lastWriteAt = now();
		budget.record();
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
			const frozenBefore = frozen.length;
			freezeOverflow();
			pump(frozen.length !== frozenBefore);
		},
		finish(finishOptions: FinishOptions): Promise<void> {
			if (!finishing) {
				finishing = finishOptions;
				freezeOverflow();
				if (lostController.signal.aborted) settle();
				pump(true);
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
