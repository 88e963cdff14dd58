import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { splitText } from '../../src/render/split.js';
import { createStreamRenderer } from '../../src/render/stream-renderer.js';
import type { MessageView, ReplyTarget } from '../../src/render/types.js';
import { mixedStory, tokenEvents, type Flavour } from '../support/token-events.js';

/**
 * The join of the streaming renderer and the splitter: fed token-sized events (2 to 6 units, cut
 * anywhere in a word or an emoji sequence), every message the renderer freezes must end exactly where
 * splitText cuts the finished text. Before the fix, a message froze wherever the latest event ended.
 */

/** Streams `events` into a renderer that writes to a recorder, finishing as complete. */
async function stream(events: string[], limit: number) {
	const views: Array<{ index: number; view: MessageView }> = [];
	const record = (index: number, view: MessageView) => {
		views.push({ index, view });
		return Promise.resolve();
	};
	const target: ReplyTarget = { edit: record, create: record };
	const renderer = createStreamRenderer(target, { writingLine: 'writing…', intervalMs: 1_000, limit });
	for (const event of events) {
		renderer.append(event);
		await vi.advanceTimersByTimeAsync(15);
	}
	const finished = renderer.finish({ complete: true });
	await vi.advanceTimersByTimeAsync(60_000);
	await finished;
	return views;
}

describe('the renderer freezes messages where the splitter cuts', () => {
	beforeEach(() => {
		vi.useFakeTimers({ now: 0 });
	});
	afterEach(() => {
		vi.useRealTimers();
	});

	const cases: Array<[Flavour, number]> = [
		['ascii', 2_000],
		['ascii', 300],
		['accents', 2_000],
		['accents', 257],
		['emoji', 2_000],
		['emoji', 233],
		['code', 2_000],
		['code', 311],
	];
	for (const [flavour, limit] of cases) {
		it(`${flavour} text in token-sized events, messages of ${limit}`, async () => {
			for (let seed = 1; seed <= 6; seed += 1) {
				const text = mixedStory(flavour, seed * 31 + limit, limit * 4 + 500);
				const expected = splitText(text, limit);
				const views = await stream(tokenEvents(text, seed), limit);

				const final: MessageView[] = [];
				for (const { index, view } of views) final[index] = view;
				expect(final.map((view) => view.content)).toEqual(expected);
				// A frozen message is written as 'ended' with its final content, and never otherwise.
				for (const { index, view } of views) {
					if (view.state === 'ended') expect(view.content, `message ${index}, seed ${seed}`).toBe(expected[index]);
				}
			}
		});
	}
});
