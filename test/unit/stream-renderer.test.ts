import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { createStreamRenderer, writingMarker } from '../../src/render/stream-renderer.js';
import { DeliveryLostError, type MessageView, type ReplyTarget } from '../../src/render/types.js';
import type { BudgetReport } from '../../src/render/write-budget.js';

const WRITING_LINE = 'writing…';
const WRITING_MARKER = writingMarker(WRITING_LINE);

interface Write {
	at: number;
	kind: 'edit' | 'create';
	index: number;
	view: MessageView;
}

/** A ReplyTarget that records every write; each write can be held open or failed by the test. */
function recordingTarget() {
	const writes: Write[] = [];
	let hold = false;
	const pending: Array<{ resolve: () => void; reject: (error: unknown) => void }> = [];
	const failures: unknown[] = [];
	const write = (kind: Write['kind']) => (index: number, view: MessageView) => {
		writes.push({ at: Date.now(), kind, index, view });
		const failure = failures.shift();
		if (failure !== undefined) return Promise.reject(failure);
		if (!hold) return Promise.resolve();
		return new Promise<void>((resolve, reject) => pending.push({ resolve, reject }));
	};
	const target: ReplyTarget = { edit: write('edit'), create: write('create') };
	return {
		target,
		writes,
		holdWrites: (value: boolean) => {
			hold = value;
		},
		releaseOne: () => pending.shift()?.resolve(),
		failNext: (error: unknown) => failures.push(error),
		/** What each message shows after all writes so far. */
		shown: () => {
			const messages: MessageView[] = [];
			for (const item of writes) messages[item.index] = item.view;
			return messages;
		},
	};
}

const INTERVAL = 1_000;
const HEADER = '📜 **Mindy**\n';

function prose(words: number, seed = 1): string {
	let state = seed;
	const next = () => ((state = (state * 1_103_515_245 + 12_345) % 2 ** 31) / 2 ** 31);
	const parts: string[] = [];
	for (let index = 0; index < words; index += 1) {
		parts.push('lorem ipsum dolor amet consectetur adipiscing'.split(' ')[Math.floor(next() * 6)] ?? 'x');
		if (next() < 0.1) parts[parts.length - 1] += '.';
		if (next() < 0.02) parts[parts.length - 1] += '\n\n';
	}
	return parts.join(' ');
}

function bodyOf(views: MessageView[], finished = true): string {
	return views
		.map((view, index) => {
			let content = view.content;
			if (index === 0) content = content.slice(HEADER.length);
			if (!finished) content = content.replace(WRITING_MARKER, '');
			return content;
		})
		.join('');
}

describe('createStreamRenderer', () => {
	beforeEach(() => {
		vi.useFakeTimers({ now: 0 });
	});
	afterEach(() => {
		vi.useRealTimers();
	});

	it('shows the first text at once, with the header and the writing marker', async () => {
		const fake = recordingTarget();
		const renderer = createStreamRenderer(fake.target, { writingLine: WRITING_LINE,  intervalMs: INTERVAL, header: HEADER });
		renderer.append('Mindy was born');
		await vi.advanceTimersByTimeAsync(0);
		expect(fake.writes).toEqual([
			{ at: 0, kind: 'edit', index: 0, view: { content: `${HEADER}Mindy was born${WRITING_MARKER}`, state: 'writing' } },
		]);
	});

	it('sends nothing until the first visible text arrives', async () => {
		const fake = recordingTarget();
		const renderer = createStreamRenderer(fake.target, { writingLine: WRITING_LINE,  intervalMs: INTERVAL, header: HEADER });
		renderer.append('  \n ');
		await vi.advanceTimersByTimeAsync(5_000);
		expect(fake.writes).toHaveLength(0);
		renderer.append('Hi');
		await vi.advanceTimersByTimeAsync(0);
		expect(fake.writes).toHaveLength(1);
	});

	it('waits the interval between writes and sends only the newest text', async () => {
		const fake = recordingTarget();
		const renderer = createStreamRenderer(fake.target, { writingLine: WRITING_LINE,  intervalMs: INTERVAL });
		for (let step = 0; step < 50; step += 1) {
			renderer.append(`w${step} `);
			await vi.advanceTimersByTimeAsync(100);
		}
		const starts = fake.writes.map((write) => write.at);
		for (let index = 1; index < starts.length; index += 1) {
			expect(starts[index]! - starts[index - 1]!).toBeGreaterThanOrEqual(INTERVAL);
		}
		expect(fake.writes.length).toBeLessThanOrEqual(6);
		// Each write carries everything appended up to the moment it started (one piece per 100 ms).
		for (const write of fake.writes.slice(1)) {
			expect(write.view.content.endsWith(`w${write.at / 100 - 1} ${WRITING_MARKER}`)).toBe(true);
		}
	});

	it('slows ordinary edits by paceFactor while the process is saturated, never the first text, a rollover or the final write', async () => {
		const fake = recordingTarget();
		let factor = 3;
		const renderer = createStreamRenderer(fake.target, { writingLine: WRITING_LINE, intervalMs: INTERVAL, header: HEADER, paceFactor: () => factor });
		const story = prose(600);
		const words = story.split(/(?<= )/);
		renderer.append(words.shift()!);
		await vi.advanceTimersByTimeAsync(0);
		// The first text goes at once.
		expect(fake.writes.map((write) => write.at)).toEqual([0]);
		for (const word of words) {
			renderer.append(word);
			await vi.advanceTimersByTimeAsync(25);
		}
		const edits = fake.writes.filter((write) => write.kind === 'edit' && write.index === fake.writes.at(-1)!.index);
		for (let index = 1; index < edits.length; index += 1) expect(edits[index]!.at - edits[index - 1]!.at).toBeGreaterThanOrEqual(3 * INTERVAL);
		// The new message that continues a full one is created as soon as the budget allows, not 3 intervals later.
		const created = fake.writes.findIndex((write) => write.kind === 'create');
		expect(created).toBeGreaterThan(0);
		expect(fake.writes[created]!.at - fake.writes[created - 1]!.at).toBeLessThan(INTERVAL);
		// Back to normal: the next edit follows one interval after the last.
		factor = 1;
		const before = fake.writes.length;
		renderer.append(' more');
		await vi.advanceTimersByTimeAsync(INTERVAL);
		expect(fake.writes.length).toBe(before + 1);
		// And the final write does not wait at all.
		factor = 3;
		renderer.append(' end.');
		const finishedAt = Date.now();
		const finished = renderer.finish({ complete: true });
		await vi.advanceTimersByTimeAsync(0);
		await finished;
		expect(fake.writes.at(-1)).toMatchObject({ at: finishedAt, view: { state: 'complete' } });
		expect(bodyOf(fake.shown())).toBe(`${story} more end.`);
	});

	it('keeps at most one write in flight and coalesces what arrives meanwhile', async () => {
		const fake = recordingTarget();
		fake.holdWrites(true);
		const renderer = createStreamRenderer(fake.target, { writingLine: WRITING_LINE,  intervalMs: INTERVAL });
		renderer.append('one ');
		await vi.advanceTimersByTimeAsync(0);
		renderer.append('two ');
		renderer.append('three ');
		await vi.advanceTimersByTimeAsync(5 * INTERVAL);
		expect(fake.writes).toHaveLength(1);
		fake.holdWrites(false);
		fake.releaseOne();
		await vi.advanceTimersByTimeAsync(0);
		expect(fake.writes).toHaveLength(2);
		expect(fake.writes[1]!.view.content).toBe(`one two three ${WRITING_MARKER}`);
	});

	it('always makes the final edit, removing the marker, and never repeats unchanged content', async () => {
		const fake = recordingTarget();
		const renderer = createStreamRenderer(fake.target, { writingLine: WRITING_LINE,  intervalMs: INTERVAL, header: HEADER });
		renderer.append('The end');
		await vi.advanceTimersByTimeAsync(10);
		renderer.append(' is near.');
		const finished = renderer.finish({ complete: true });
		await vi.advanceTimersByTimeAsync(INTERVAL);
		await finished;
		expect(fake.writes.at(-1)!.view).toEqual({ content: `${HEADER}The end is near.`, state: 'complete' });
		// The window (one write in the last 2 s) has room: the final write does not wait for the interval.
		expect(fake.writes.at(-1)!.at).toBe(10);
		const keys = fake.writes.map((write) => `${write.index}|${write.view.state}|${write.view.content}`);
		expect(new Set(keys).size).toBe(keys.length);
	});

	it('rolls over into follow-ups, every message within the limit, nothing lost or repeated', async () => {
		const fake = recordingTarget();
		const renderer = createStreamRenderer(fake.target, { writingLine: WRITING_LINE,  intervalMs: INTERVAL, header: HEADER });
		const text = prose(1_500);
		for (let offset = 0; offset < text.length; offset += 37) {
			renderer.append(text.slice(offset, offset + 37));
			await vi.advanceTimersByTimeAsync(50);
		}
		const finished = renderer.finish({ complete: true });
		await vi.advanceTimersByTimeAsync(20 * INTERVAL);
		await finished;

		const shown = fake.shown();
		expect(shown.length).toBeGreaterThanOrEqual(4);
		for (const write of fake.writes) expect(write.view.content.length).toBeLessThanOrEqual(2_000);
		expect(bodyOf(shown)).toBe(text);
		expect(shown.at(-1)!.state).toBe('complete');
		expect(shown.slice(0, -1).every((view) => view.state === 'ended')).toBe(true);
		expect(shown.some((view) => view.content.includes(WRITING_MARKER))).toBe(false);
		// Follow-ups are created in order, each once, after the message before it.
		const creates = fake.writes.filter((write) => write.kind === 'create').map((write) => write.index);
		expect(creates).toEqual(shown.slice(1).map((_, index) => index + 1));
		// A message is frozen once a later one exists: no write to it after the next was created.
		for (const create of fake.writes.filter((write) => write.kind === 'create')) {
			const laterEdits = fake.writes.filter((write) => write.at > create.at && write.index < create.index);
			expect(laterEdits).toEqual([]);
		}
	});

	it('creates the follow-up as soon as the message it continues is frozen, not a whole interval later', async () => {
		const fake = recordingTarget();
		const renderer = createStreamRenderer(fake.target, { writingLine: WRITING_LINE,  intervalMs: INTERVAL });
		renderer.append(prose(220, 3)); // about 1,750 characters: one message
		await vi.advanceTimersByTimeAsync(100);
		renderer.append(` ${prose(200, 4)}`);
		await vi.advanceTimersByTimeAsync(INTERVAL);
		// The freeze is the next paced edit; the new message goes right after it (the window has room).
		const freeze = fake.writes.find((write) => write.index === 0 && write.view.state === 'ended')!;
		const create = fake.writes.find((write) => write.kind === 'create')!;
		expect(freeze.at).toBe(INTERVAL);
		expect(create.at).toBe(INTERVAL);
		// The next change to the new message waits the full interval again.
		renderer.append(' more words');
		await vi.advanceTimersByTimeAsync(5 * INTERVAL);
		const next = fake.writes.find((write) => write.at > create.at)!;
		expect(next.at - create.at).toBe(INTERVAL);
	});

	it('holds the final write until the window has room, and never exceeds it', async () => {
		const fake = recordingTarget();
		// A short interval so that ordinary edits alone fill the default window (4 writes per 2 s).
		const renderer = createStreamRenderer(fake.target, { writingLine: WRITING_LINE,  intervalMs: 100 });
		for (let step = 0; step < 4; step += 1) {
			renderer.append(`w${step} `);
			await vi.advanceTimersByTimeAsync(100);
		}
		expect(fake.writes.map((write) => write.at)).toEqual([0, 100, 200, 300]);
		renderer.append('end.');
		const finished = renderer.finish({ complete: true });
		await vi.advanceTimersByTimeAsync(5_000);
		await finished;
		// The oldest write leaves the 2 s window at 2000: not a moment earlier.
		expect(fake.writes.map((write) => write.at)).toEqual([0, 100, 200, 300, 2_000]);
		expect(fake.shown()[0]).toEqual({ content: 'w0 w1 w2 w3 end.', state: 'complete' });
	});

	it('follows what Discord reports: an emptied bucket or a 429 delays the next write, a smaller limit narrows the window', async () => {
		let listener: ((report: BudgetReport) => void) | undefined;
		const fake = recordingTarget();
		const target: ReplyTarget = {
			...fake.target,
			onBudgetReport: (next) => {
				listener = next;
				return () => (listener = undefined);
			},
		};
		const renderer = createStreamRenderer(target, { writingLine: WRITING_LINE,  intervalMs: INTERVAL });
		renderer.append('one ');
		await vi.advanceTimersByTimeAsync(10);
		listener!({ limit: 5, remaining: 0, resetAfterMs: 1_500 });
		renderer.append('two');
		const finished = renderer.finish({ complete: true });
		await vi.advanceTimersByTimeAsync(1_000);
		expect(fake.writes).toHaveLength(1);
		await vi.advanceTimersByTimeAsync(1_000);
		await finished;
		expect(fake.writes.map((write) => write.at)).toEqual([0, 1_510]);
		// Settled renderers stop listening.
		expect(listener).toBeUndefined();

		const second = recordingTarget();
		let report: ((r: BudgetReport) => void) | undefined;
		const narrowed = createStreamRenderer({ ...second.target, onBudgetReport: (next) => ((report = next), () => undefined) }, { writingLine: WRITING_LINE, intervalMs: 100 });
		report!({ limit: 2 }); // one write per window once our margin of one is kept
		const start = Date.now();
		narrowed.append('a ');
		await vi.advanceTimersByTimeAsync(100);
		report!({ retryAfterMs: 3_000 });
		narrowed.append('b');
		await vi.advanceTimersByTimeAsync(2_500);
		expect(second.writes.map((write) => write.at - start)).toEqual([0]);
		await vi.advanceTimersByTimeAsync(1_000);
		expect(second.writes.map((write) => write.at - start)).toEqual([0, 3_100]);
		narrowed.append('c');
		await vi.advanceTimersByTimeAsync(5_000);
		// Discord's limit of 2 leaves us 1 per 2 s window: the third write waits for the second to leave it.
		expect(second.writes.map((write) => write.at - start)).toEqual([0, 3_100, 5_100]);
	});

	it('loses no text when a write fails: the next write carries everything', async () => {
		const fake = recordingTarget();
		const renderer = createStreamRenderer(fake.target, { writingLine: WRITING_LINE,  intervalMs: INTERVAL });
		fake.failNext(new Error('503 from Discord'));
		renderer.append('first ');
		await vi.advanceTimersByTimeAsync(10);
		renderer.append('second');
		const finished = renderer.finish({ complete: true });
		await vi.advanceTimersByTimeAsync(10 * INTERVAL);
		await finished;
		expect(fake.writes[0]!.view.content).toBe(`first ${WRITING_MARKER}`);
		expect(fake.shown()[0]).toEqual({ content: 'first second', state: 'complete' });
		expect(renderer.lost.aborted).toBe(false);
	});

	it('backs off after failures instead of hammering a struggling Discord', async () => {
		const fake = recordingTarget();
		const renderer = createStreamRenderer(fake.target, { writingLine: WRITING_LINE,  intervalMs: INTERVAL });
		fake.failNext(new Error('500'));
		fake.failNext(new Error('500'));
		renderer.append('text');
		await vi.advanceTimersByTimeAsync(30 * INTERVAL);
		expect(fake.writes.map((write) => write.at)).toEqual([0, 2 * INTERVAL, 6 * INTERVAL]);
	});

	it('stops writing and signals loss when the message is gone', async () => {
		const fake = recordingTarget();
		const renderer = createStreamRenderer(fake.target, { writingLine: WRITING_LINE,  intervalMs: INTERVAL });
		renderer.append('text');
		await vi.advanceTimersByTimeAsync(10);
		fake.failNext(new DeliveryLostError('10008 Unknown Message'));
		renderer.append(' more');
		await vi.advanceTimersByTimeAsync(INTERVAL);
		expect(renderer.lost.aborted).toBe(true);
		renderer.append(' and more');
		await renderer.finish({ complete: true });
		await vi.advanceTimersByTimeAsync(10 * INTERVAL);
		expect(fake.writes).toHaveLength(2);
	});

	it('ends the partial text with an italic notice', async () => {
		const fake = recordingTarget();
		const renderer = createStreamRenderer(fake.target, { writingLine: WRITING_LINE,  intervalMs: INTERVAL });
		renderer.append('Half a story');
		const finished = renderer.finish({ complete: false, notice: 'interrupted: the connection to Convai dropped' });
		await vi.advanceTimersByTimeAsync(INTERVAL);
		await finished;
		expect(fake.shown()).toEqual([
			{ content: 'Half a story\n\n*interrupted: the connection to Convai dropped*', state: 'ended' },
		]);
	});

	it('shows a failure before any text as a warning line instead of the header', async () => {
		const fake = recordingTarget();
		const renderer = createStreamRenderer(fake.target, { writingLine: WRITING_LINE,  intervalMs: INTERVAL, header: HEADER });
		await renderer.finish({ complete: false, notice: 'Convai rejected the API key.' });
		expect(fake.shown()).toEqual([{ content: '⚠️ Convai rejected the API key.', state: 'ended' }]);
	});

	it('puts a notice that no longer fits into a message of its own', async () => {
		const fake = recordingTarget();
		const renderer = createStreamRenderer(fake.target, { writingLine: WRITING_LINE,  intervalMs: INTERVAL });
		const text = 'word '.repeat(399); // 1995 characters: fits, but not with the notice
		renderer.append(text);
		const finished = renderer.finish({ complete: false, notice: 'stopped by Ann' });
		await vi.advanceTimersByTimeAsync(10 * INTERVAL);
		await finished;
		const shown = fake.shown();
		expect(shown.map((view) => view.content)).toEqual([text, '*stopped by Ann*']);
	});

	it('finishing twice is harmless and appending after finish is ignored', async () => {
		const fake = recordingTarget();
		const renderer = createStreamRenderer(fake.target, { writingLine: WRITING_LINE,  intervalMs: INTERVAL });
		renderer.append('done');
		const first = renderer.finish({ complete: true });
		const second = renderer.finish({ complete: false, notice: 'ignored' });
		renderer.append(' late');
		await vi.advanceTimersByTimeAsync(INTERVAL);
		await Promise.all([first, second]);
		expect(fake.shown()).toEqual([{ content: 'done', state: 'complete' }]);
	});
});
