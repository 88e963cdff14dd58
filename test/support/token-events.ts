import { mulberry32 } from './random.js';

/**
 * Cuts `text` into language-model-sized events of 2 to 6 UTF-16 units, with no regard for words,
 * accents or emoji sequences (a token may end inside any of them), but never inside a code point:
 * an upstream sends whole characters.
 */
export function tokenEvents(text: string, seed: number): string[] {
	const random = mulberry32(seed);
	const events: string[] = [];
	for (let at = 0; at < text.length; ) {
		let end = Math.min(text.length, at + 2 + Math.floor(random() * 5));
		const code = text.charCodeAt(end - 1);
		if (code >= 0xd800 && code <= 0xdbff && end < text.length) end += 1;
		events.push(text.slice(at, end));
		at = end;
	}
	return events;
}

const WORDS = 'the lawyer harbor stubborn whispered across morning remembered lantern courtroom ambition'.split(' ');
const ACCENTED = ['café', 'naïve', 'Zoë', 'Ångström', 'crème brûlée', 'façade', 'cafe\u0301', 'n\u0303o', 'Bjo\u0308rk'];
const EMOJI = ['👨‍👩‍👧', '👩‍👩‍👧‍👦', '🧙🏽‍♀️', '🏳️‍🌈', '🇯🇵', '👍🏿', '❤️‍🔥'];

export type Flavour = 'ascii' | 'accents' | 'emoji' | 'code' | 'mixed';

/** A story of about `chars` units: prose words with accents (precomposed and combining), emoji ZWJ sequences and code blocks, as the flavour asks. */
export function mixedStory(flavour: Flavour, seed: number, chars: number): string {
	const random = mulberry32(seed);
	const pick = <T>(items: readonly T[]): T => items[Math.floor(random() * items.length)]!;
	let text = '';
	while (text.length < chars) {
		if ((flavour === 'code' || flavour === 'mixed') && random() < 0.15) {
			const lines = Array.from({ length: 2 + Math.floor(random() * 12) }, () => `  let ${pick(WORDS)} = ${pick(WORDS)}_${pick(WORDS)};`);
			text += `\n\n\`\`\`js\n${lines.join('\n')}\n\`\`\`\n\n`;
			continue;
		}
		const roll = random();
		const accents = flavour === 'accents' || flavour === 'mixed';
		const emoji = flavour === 'emoji' || flavour === 'mixed';
		const word = accents && roll < 0.2 ? pick(ACCENTED) : emoji && roll > 0.8 ? pick(EMOJI) : pick(WORDS);
		const gap = text === '' || text.endsWith('\n') ? '' : random() < 0.08 ? '.\n\n' : random() < 0.1 ? '. ' : ' ';
		text += gap + word;
	}
	return `${text}.`;
}

