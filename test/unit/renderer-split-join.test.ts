import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { splitText } from '../../src/render/split.js';
import { createStreamRenderer } from '../../src/render/stream-renderer.js';
import type { MessageView, ReplyTarget } from '../../src/render/types.js';
import { mulberry32 } from '../support/random.js';
import { tokenEvents } from '../support/token-events.js';

/**
 * The join of the streaming renderer and the splitter: fed token-sized events (2 to 6 units, cut
 * anywhere in a word or an emoji sequence), every message the renderer freezes must end exactly where
 * splitText cuts the finished text. Before the fix, a message froze wherever the latest event ended.
 */

const WORDS = 'the lawyer harbor stubborn whispered across morning remembered lantern courtroom ambition'.split(' ');
const ACCENTED = ['café', 'naïve', 'Zoë', 'Ångström', 'crème brûlée', 'façade', 'cafe\u0301', 'n\u0303o', 'Bjo\u0308rk'];
const EMOJI = ['👨‍👩‍👧', '👩‍👩‍👧‍👦', '🧙🏽‍♀️', '🏳️‍🌈', '🇯🇵', '👍🏿', '❤️‍🔥'];

type Flavour = 'ascii' | 'accents' | 'emoji' | 'code';

function story(flavour: Flavour, seed: number, chars: number): string {
	const random = mulberry32(seed);
	const pick = <T>(items: readonly T[]): T => items[Math.floor(random() * items.length)]!;
	let text = '';
	while (text.length < chars) {
		if (flavour === 'code' && random() < 0.15) {
			const lines = Array.from({ length: 2 + Math.floor(random() * 12) }, () => `  let ${pick(WORDS)} = ${pick(WORDS)}_${pick(WORDS)};`);
			text += `\n\n\`\`\`js\n${lines.join('\n')}\n\`\`\`\n\n`;
			continue;
		}
		const word = flavour === 'accents' && random() < 0.3 ? pick(ACCENTED) : flavour === 'emoji' && random() < 0.3 ? pick(EMOJI) : pick(WORDS);
		const gap = text === '' || text.endsWith('\n') ? '' : random() < 0.08 ? '.\n\n' : random() < 0.1 ? '. ' : ' ';
		text += gap + word;
	}
	return `${text}.`;
}

/** Streams `events` into a renderer that writes to a recorder, finishing as complete. */
async function stream(events: string[], limit: number) {
	const views: Array<{ index: number; view: MessageView }> = [];
	const record = (index: number, view: MessageView) => {
		views.push({ index, view });
		return Promise.resolve();
	};
	const target: ReplyTarget = { edit: record, create: record };
	const renderer = createStreamRenderer(target, { intervalMs: 1_000, limit });
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
				const text = story(flavour, seed * 31 + limit, limit * 4 + 500);
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
