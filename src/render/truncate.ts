const graphemes = new Intl.Segmenter('en', { granularity: 'grapheme' });

/**
 * At most `max` UTF-16 units (what Discord's limits count), ending in `…` when shortened. Cuts only
 * between graphemes: never inside a surrogate pair, an emoji sequence (👩‍👧) or a letter and its accent.
 */
export function truncate(text: string, max: number): string {
	if (text.length <= max) return text;
	let kept = '';
	for (const { segment } of graphemes.segment(text)) {
		if (kept.length + segment.length > max - 1) break;
		kept += segment;
	}
	return `${kept}…`;
}
