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
