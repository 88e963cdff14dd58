/**
 * Cutting a streamed backstory into Discord messages. The renderer calls `takePiece` on whatever text
 * is still unsent every time it flushes, so everything here is pure and only reads about one budget's
 * worth of text, however long the backstory grows.
 */

export const DISCORD_MESSAGE_LIMIT = 2_000;

/**
 * How far into the window (as a share of it) a boundary must lie to be used. Ending on a blank line
 * reads best, so it may cost up to half a message; lower than that and one long text becomes a string of
 * stubby messages. A lone line break (list item, verse) is a slightly weaker end. Prose sentences rarely
 * run past a few hundred characters, so the last 30% almost always holds one; when it does not, the
 * sentence is so long that a word break near the edge reads no worse. Word breaks are taken anywhere,
 * because the only thing below them is cutting through a word.
 */
export const BREAK_MIN_SHARE = { paragraph: 0.5, line: 0.6, sentence: 0.7 } as const;

/** Room `takePiece` needs after `carry`: a closing fence plus a few characters, so every call makes progress. */
export const MIN_ROOM = 16;

/**
 * How many units past the budget `takePiece` reads (to see a fence line or a combining character just
 * after a cut). A streaming caller that waits for this many more before cutting, or for the end of the
 * stream, gets exactly the cuts `splitText` would make on the finished text.
 */
export const LOOKAHEAD = 3;

export interface Piece {
	/** What to put in the message for this piece: `carry` + text.slice(0, consumed) + a fence-closing suffix when a code block is open at the cut. content.length <= budget. */
	content: string;
	/** How many UTF-16 units of `text` this piece used (> 0 whenever text is non-empty). */
	consumed: number;
	/**
	 * What the next piece must start with: a reopening fence line such as "```js\n" when the cut fell
	 * inside a code block, else ''. Also set when all of `text` was used but its block is still open,
	 * because more streamed text would continue that block.
	 */
	carry: string;
}

type Kind = 'paragraph' | 'line' | 'sentence' | 'word';

/** Search order. Cuts outside code blocks come first so a block that could stay whole is not split. */
const PLAN: ReadonlyArray<readonly [Kind, number, 'outside' | 'inside' | 'any']> = [
	['paragraph', BREAK_MIN_SHARE.paragraph, 'outside'],
	['line', BREAK_MIN_SHARE.line, 'outside'],
	['sentence', BREAK_MIN_SHARE.sentence, 'outside'],
	['paragraph', BREAK_MIN_SHARE.paragraph, 'inside'],
	['line', BREAK_MIN_SHARE.line, 'inside'],
	['word', 0, 'any'],
];

const FENCE = '```';
/** Longer info strings are more likely prose than a language; reopening with them would show junk. */
const LANGUAGE = /^[\w+#.-]{1,20}$/;
/** Whitespace Discord may wrap at: \s without the no-break spaces, which hold words together on purpose. */
const BREAKING_SPACE = /[^\S\u00a0\u2007\u202f\ufeff]/;
const SENTENCE_END = /[.!?…]/;
/** CJK full stops end a sentence without a following space, so they are a boundary on their own. */
const CJK_SENTENCE_END = /[。！？]/;
/** Quotes, brackets and markdown emphasis that may close a sentence after its full stop. */
const CLOSER = /["'”’»)\]}」』）】*_]/;
const OUTSIDE = -1; // fence state: not in a code block
const CARRIED = -2; // fence state: in the block the caller's `carry` reopened
/**
 * Characters that never extend, join, prepend or pair with a neighbour in a grapheme cluster (UAX #29
 * Other, not pictographic, not Indic): ASCII, Latin letters, CJK punctuation, kana, ideographs,
 * precomposed Hangul syllables (only conjoining jamo attach to them) and fullwidth ASCII.
 */
const PLAIN = /[\0-\x7f\u00c0-\u024f\u3000-\u3029\u3041-\u3096\u30a1-\u30fa\u3400-\u4dbf\u4e00-\u9fff\uac00-\ud7a3\uff01-\uff5e]/;
const CR = 0x0d;
const LF = 0x0a;

const segmenter = new Intl.Segmenter('en', { granularity: 'grapheme' });

/** The reopening line of the code block still open after `text` (read after `carry`), or ''. O(text.length). */
export function openFenceAt(text: string, carry = ''): string {
	let open = carry;
	for (let start = 0; start < text.length; ) {
		const newline = text.indexOf('\n', start);
		const end = newline === -1 ? text.length : newline;
		if (text.startsWith(FENCE, start)) open = open === '' ? reopenLine(text.slice(start + 3, end)) : '';
		start = end + 1;
	}
	return open;
}

/** True when `text` plus `carry` fits as is (no cut needed), accounting for an unclosed fence suffix. */
export function fits(text: string, budget: number, carry = ''): boolean {
	return wholePiece(text, budget, carry) !== undefined;
}

/**
 * Splits a whole text into message contents, each at most `limit` units.
 * Concatenating the consumed slices gives back `text` exactly.
 */
export function splitText(text: string, limit = DISCORD_MESSAGE_LIMIT): string[] {
	const contents: string[] = [];
	let carry = '';
	for (let at = 0; at < text.length; ) {
		const piece = takePiece(text.slice(at), limit, carry);
		contents.push(piece.content);
		at += piece.consumed;
		carry = piece.carry;
	}
	return contents;
}

/**
 * Takes the first message's worth of `text`: at most `budget` units including `carry` and any
 * fence-closing suffix. `text` must start where the previous piece stopped (a grapheme boundary).
 * Throws a RangeError when `budget` leaves less than MIN_ROOM units after `carry`.
 */
export function takePiece(text: string, budget: number, carry = ''): Piece {
	const room = budget - carry.length;
	if (!Number.isSafeInteger(budget) || room < MIN_ROOM) {
		throw new RangeError(`budget ${budget} leaves less than ${MIN_ROOM} units after a ${carry.length}-unit carry`);
	}
	const whole = wholePiece(text, budget, carry);
	if (whole) return whole;

	const end = Math.min(text.length, room);
	const { fence, found, solid } = scan(text, end, carry !== '');
	const isBoundary = graphemeBoundaries(text, end);
	// Inside a block the piece also needs its closing fence (one unit less after a newline).
	const fitsAt = (p: number): boolean =>
		p + (fence[p] === OUTSIDE ? 0 : text.charCodeAt(p - 1) === LF ? 3 : 4) <= room;
	const latest = ([kind, share, where]: (typeof PLAN)[number]): number => {
		const positions = found[kind];
		for (let k = positions.length - 1; k >= 0 && (positions[k] ?? 0) >= share * end; k--) {
			const p = positions[k] ?? 0;
			const inside = fence[p] !== OUTSIDE;
			if ((where === 'any' || inside === (where === 'inside')) && fitsAt(p) && isBoundary(p)) return p;
		}
		return 0;
	};
	let cut = 0;
	for (const step of PLAN) {
		cut = latest(step);
		if (cut > 0) break;
	}
	if (cut === 0) cut = hardCut(text, end, Math.max(solid, 0), fitsAt, isBoundary);

	const state = fence[cut] ?? OUTSIDE;
	const body = carry + text.slice(0, cut);
	if (state === OUTSIDE) return { content: body, consumed: cut, carry: '' };
	const next = state === CARRIED ? carry : reopenLine(text.slice(state + 3, cut).split('\n', 1)[0] ?? '');
	return { content: body + closingFence(body), consumed: cut, carry: next };
}

/** The piece that takes all of `text`, or undefined when it (with a closing fence if needed) exceeds `budget`. */
function wholePiece(text: string, budget: number, carry: string): Piece | undefined {
	if (carry.length + text.length > budget) return undefined; // keeps the fence scan within one budget
	const open = openFenceAt(text, carry);
	const content = carry + text;
	const closed = open === '' ? content : content + closingFence(content);
	return closed.length <= budget ? { content: closed, consumed: text.length, carry: open } : undefined;
}

/**
 * One pass over the window. `fence[p]` is the fence state of a cut at p: OUTSIDE, CARRIED, or where the
 * open block's fence line starts. `found` lists candidate cuts by kind, ascending. `solid` is the first
 * non-whitespace character (or -1): a cut before it would send a blank message.
 */
function scan(text: string, end: number, carried: boolean) {
	const fence = new Int32Array(end + 1);
	const found: Record<Kind, number[]> = { paragraph: [], line: [], sentence: [], word: [] };
	let open = carried ? CARRIED : OUTSIDE;
	let lineStart = 0;
	let fenceLine = false;
	let lineBlank = true;
	let solid = -1;
	let sentence = 0; // 0: none, 1: after . ! ? …, 2: after a CJK full stop, 3: in the spaces after either
	fence[0] = open;
	for (let i = 0; i < end; i++) {
		const c = text.charAt(i);
		const p = i + 1;
		if (i === lineStart) {
			fenceLine = text.startsWith(FENCE, i);
			if (fenceLine) open = open === OUTSIDE ? i : OUTSIDE;
		}
		fence[p] = open;
		if (/\S/.test(c)) {
			lineBlank = false;
			if (solid < 0) solid = i;
		}
		const usable = solid >= 0;
		if (c === '\n') {
			const fenceNext = text.startsWith(FENCE, p);
			// Inside a block, a cut right after its opening line or right before its closing line leaves an empty block.
			if (usable && !(open !== OUTSIDE && (fenceLine || fenceNext))) {
				// The edges of a code block end a unit of text just as a blank line does.
				const paragraph = fenceLine || fenceNext || (lineBlank && lineStart > 0);
				found[paragraph ? 'paragraph' : 'line'].push(p);
				found.word.push(p);
			}
			lineStart = p;
			lineBlank = true;
			sentence = 0;
		} else if (BREAKING_SPACE.test(c)) {
			if (usable) found.word.push(p);
			sentence = sentence === 0 ? 0 : 3;
			if (usable && sentence === 3) found.sentence.push(p);
		} else if (SENTENCE_END.test(c)) {
			sentence = 1;
		} else if (CJK_SENTENCE_END.test(c) || (sentence === 2 && CLOSER.test(c))) {
			sentence = 2;
			if (usable) found.sentence.push(p);
		} else if (!(sentence === 1 && CLOSER.test(c))) {
			sentence = 0;
		}
	}
	return { fence, found, solid };
}

type Test = (p: number) => boolean;

/** A cut through a run without whitespace: the last grapheme boundary that fits, else the last code point. */
function hardCut(text: string, end: number, minimum: number, fitsAt: Test, isBoundary: Test): number {
	for (let p = end; p > minimum; p--) {
		if (fitsAt(p) && !splitsFenceMarker(text, p) && isBoundary(p)) return p;
	}
	// One grapheme cluster (say a letter under thousands of accents) is wider than the whole budget.
	for (let p = end; p > 0; p--) {
		const splitsPair = isSurrogatePair(text.charCodeAt(p - 1), text.charCodeAt(p));
		if (fitsAt(p) && !splitsFenceMarker(text, p) && !splitsPair) return p;
	}
	throw new Error('no cut fits: the budget is smaller than MIN_ROOM allows');
}

/** A cut between the backticks of a fence line would turn it into plain text on both sides. */
function splitsFenceMarker(text: string, p: number): boolean {
	const fenceStartsAt = (start: number) =>
		(start === 0 || text.charAt(start - 1) === '\n') && text.startsWith(FENCE, start);
	return (p >= 1 && fenceStartsAt(p - 1)) || (p >= 2 && fenceStartsAt(p - 2));
}

function isSurrogatePair(high: number, low: number): boolean {
	return high >= 0xd800 && high <= 0xdbff && low >= 0xdc00 && low <= 0xdfff;
}

/**
 * True when a grapheme boundary at `p` is certain and nothing before it can change the boundaries after it,
 * which settles most cuts without the segmenter (it is slow, and superlinear on long strings in Node 20).
 * Controls always break (UAX #29 GB4/GB5) except CR LF, and so does any pair of PLAIN characters.
 */
function breaksAt(text: string, p: number): boolean {
	if (p <= 0 || p >= text.length) return true;
	const a = text.charCodeAt(p - 1);
	const b = text.charCodeAt(p);
	if (a === CR && b === LF) return false;
	return a < 0x20 || b < 0x20 || (PLAIN.test(text.charAt(p - 1)) && PLAIN.test(text.charAt(p)));
}

/**
 * A grapheme-boundary test for positions up to `last`. Other cases segment only the stretch between the
 * nearest certain boundaries around the position (flags need their run's parity, ZWJ emoji their start),
 * and remember it, so all calls together segment each character at most once.
 */
function graphemeBoundaries(text: string, last: number): Test {
	const horizon = Math.min(text.length, last + 2); // the code point at `last` decides the boundary there
	let known: Uint8Array | undefined; // 0: not segmented yet, 1: boundary, 2: inside a cluster
	return (p) => {
		if (breaksAt(text, p)) return true;
		if (isSurrogatePair(text.charCodeAt(p - 1), text.charCodeAt(p))) return false;
		known ??= new Uint8Array(horizon + 1);
		if (known[p] === 0) {
			let from = p - 1;
			while (!breaksAt(text, from)) from--;
			let to = p + 1;
			while (to < horizon && !breaksAt(text, to)) to++;
			known.fill(2, from, to);
			for (const { index } of segmenter.segment(text.slice(from, to))) known[from + index] = 1;
		}
		return known[p] === 1;
	};
}

/** The closing fence for content that ends inside a block, on a line of its own. */
function closingFence(content: string): string {
	return content.endsWith('\n') ? FENCE : `\n${FENCE}`;
}

function reopenLine(info: string): string {
	const language = info.trim();
	return LANGUAGE.test(language) ? `${FENCE}${language}\n` : `${FENCE}\n`;
}
