import { describe, expect, it } from 'vitest';
import {
	BREAK_MIN_SHARE,
	DISCORD_MESSAGE_LIMIT,
	LOOKAHEAD,
	fits,
	openFenceAt,
	splitText,
	takePiece,
	type Piece,
} from '../../src/render/split.js';
import { mulberry32 } from '../support/random.js';

// ---------------------------------------------------------------------------------------------
// Seeded generators, so a failure names a text that can be regenerated.

type Rng = () => number;

const seeded: (seed: number) => Rng = mulberry32;
const int = (r: Rng, lo: number, hi: number): number => lo + Math.floor(r() * (hi - lo + 1));
const pick = <T>(r: Rng, items: readonly T[]): T => items[int(r, 0, items.length - 1)] as T;
const repeat = (n: number, make: () => string): string => Array.from({ length: n }, make).join('');

const EMOJI = ['👨‍👩‍👧‍👦', '🏳️‍🌈', '👩🏽‍💻', '🇯🇵', '🇺🇸', '👍🏿', '1️⃣', '❤️', '😀', '🧑🏾‍🤝‍🧑🏻'];
const FLAGS = ['🇯🇵', '🇺🇸', '🇫🇷', '🇧🇷', '🇰🇪'];
const MARKS = ['\u0301', '\u0308', '\u0323', '\u0330', '\u036f'];
const CJK = '的一是不了人我在有他这中大来上国个到说们为子和你地出道也时年得就那要下以生会自着去之过家学对可她里后小么心多天而能好';
const JAMO = ['\u1100\u1161\u11a8', '\u1112\u1161\u11ab', '\u1102\u1173'];
const LANGS = ['', 'js', 'py', 'c++', 'typescript', 'rust'];

const word = (r: Rng): string => repeat(int(r, 1, 10), () => String.fromCharCode(97 + int(r, 0, 25)));
function sentence(r: Rng): string {
	const text = repeat(int(r, 3, 22), () => `${word(r)} `).trimEnd();
	return text.charAt(0).toUpperCase() + text.slice(1) + pick(r, ['.', '.', '.', '!', '?', '…', '."', '?)']);
}
const paragraph = (r: Rng): string =>
	Array.from({ length: int(r, 1, r() < 0.2 ? 30 : 8) }, () => sentence(r)).join(r() < 0.1 ? '\n' : ' ');
function prose(r: Rng, min: number): string {
	const parts: string[] = [];
	for (let length = 0; length < min; length += (parts.at(-1)?.length ?? 0) + 2) parts.push(paragraph(r));
	return parts.join('\n\n');
}
const words = (n: number): string => Array.from({ length: n }, () => 'word').join(' ');
const run = (r: Rng, n: number, chars = 'abcdefghij0123456789-_/'): string =>
	repeat(n, () => chars.charAt(int(r, 0, chars.length - 1)));

function codeBlock(r: Rng, lang: string, closed = true): string {
	const lines = Array.from({ length: int(r, 3, 70) }, (_, i) =>
		r() < 0.1 ? '' : `  const v${i} = compute(${i}, "${word(r)}"); // ${sentence(r).slice(0, 40)}`,
	);
	return `\`\`\`${lang}\n${lines.join('\n')}${closed ? '\n```' : ''}`;
}

interface Family {
	name: string;
	count: number;
	limit: (r: Rng) => number;
	make: (r: Rng, limit: number) => string;
	/** Only plain prose: the preferred boundary kind can be worked out independently. */
	prose?: boolean;
	/** Checks that the generated texts reached the cases the family is about. */
	covers?: (stats: Stats) => void;
	/** How many messages the text must take, when the family pins it down. */
	messages?: (text: string, limit: number) => number;
}

const FAMILIES: Family[] = [
	{
		name: 'prose',
		count: 60,
		limit: () => DISCORD_MESSAGE_LIMIT,
		make: (r) => prose(r, int(r, 1500, 6000)),
		prose: true,
		covers: (s) => expect(Math.min(s.kinds.paragraph, s.kinds.sentence)).toBeGreaterThan(10),
	},
	{
		name: 'prose, small limits',
		count: 60,
		limit: (r) => int(r, 80, 600),
		make: (r) => prose(r, int(r, 300, 3000)),
		prose: true,
		covers: (s) => expect(Math.min(...Object.values(s.kinds))).toBeGreaterThan(10),
	},
	{
		name: 'long unbroken runs',
		count: 30,
		limit: () => DISCORD_MESSAGE_LIMIT,
		covers: (s) => expect(s.hard).toBeGreaterThan(10),
		make: (r) =>
			pick(r, [
				() => `${prose(r, 300)} ${run(r, int(r, 3000, 5000))} ${prose(r, 300)}`,
				() => run(r, int(r, 3000, 5000)),
				() => `${run(r, int(r, 2100, 2500))}\n\n${prose(r, 500)}`,
				() => repeat(int(r, 700, 1500), () => `e${pick(r, MARKS)}`),
			])(),
	},
	{
		name: 'emoji around the limit',
		count: 60,
		limit: () => DISCORD_MESSAGE_LIMIT,
		covers: (s) => expect(s.naiveWouldSplit).toBeGreaterThan(10),
		make: (r, limit) => {
			const emoji = repeat(int(r, 1, 8), () => pick(r, EMOJI));
			const head = r() < 0.7 ? 'x'.repeat(limit + int(r, -14, 3)) : prose(r, limit + 20).slice(0, limit + int(r, -14, 3));
			return pick(r, [
				() => `${head}${emoji} ${prose(r, 200)}`,
				() => (r() < 0.5 ? 'a' : '') + repeat(int(r, 600, 1300), () => pick(r, FLAGS)),
				() => repeat(int(r, 300, 900), () => pick(r, EMOJI) + (r() < 0.2 ? ' ' : '')),
			])();
		},
	},
	{
		name: 'combining marks',
		count: 30,
		limit: () => DISCORD_MESSAGE_LIMIT,
		covers: (s) => expect(s.naiveWouldSplit).toBeGreaterThan(5),
		make: (r, limit) =>
			pick(r, [
				() => prose(r, 4000).replace(/[a-z]/g, (c) => (r() < 0.2 ? c + repeat(int(r, 1, 3), () => pick(r, MARKS)) : c)),
				() => `${'x'.repeat(limit - int(r, 0, 6))}e${repeat(int(r, 1, 12), () => pick(r, MARKS))}${prose(r, 100)}`,
				() => repeat(int(r, 200, 400), () => `a${repeat(int(r, 5, 20), () => pick(r, MARKS))}`),
			])(),
	},
	{
		name: 'CJK and Hangul',
		count: 30,
		limit: () => DISCORD_MESSAGE_LIMIT,
		covers: (s) => expect(s.hard).toBeGreaterThan(5),
		make: (r) => {
			const n = int(r, 2500, 6000);
			const cjk = (): string => CJK.charAt(int(r, 0, CJK.length - 1));
			return pick(r, [
				() => repeat(n / 30, () => repeat(int(r, 10, 50), cjk) + pick(r, ['。', '！', '？', '。」'])),
				() => repeat(n, cjk),
				() => repeat(n / 10, () => repeat(int(r, 2, 15), cjk) + pick(r, [' ', '\u3000'])),
				() => repeat(n / 3, () => pick(r, JAMO)),
			])();
		},
	},
	{
		name: 'code blocks',
		count: 60,
		limit: (r) => pick(r, [DISCORD_MESSAGE_LIMIT, DISCORD_MESSAGE_LIMIT, 700, 300]),
		covers: (s) => expect(s.carried).toBeGreaterThan(10),
		make: (r) => {
			const parts = Array.from({ length: int(r, 1, 3) }, () => `${prose(r, int(r, 50, 1200))}\n${codeBlock(r, pick(r, LANGS))}`);
			if (r() < 0.2) parts.push(codeBlock(r, pick(r, LANGS), false));
			return parts.join(pick(r, ['\n', '\n\n']));
		},
	},
	{
		name: 'whitespace-heavy',
		count: 30,
		limit: () => DISCORD_MESSAGE_LIMIT,
		make: (r) => {
			const tokens = [' ', '  ', '\t', '\n', '\n\n', '\u3000', '\r\n', () => ' '.repeat(int(r, 50, 2500)), () => '\n'.repeat(int(r, 10, 500)), word, sentence];
			let text = '';
			while (text.length < 3000) {
				const token = pick(r, tokens);
				text += typeof token === 'string' ? token : token(r);
			}
			return text;
		},
	},
	{
		name: 'exactly at the limit and ±1',
		count: 30,
		limit: () => DISCORD_MESSAGE_LIMIT,
		make: (r, limit) => {
			const n = limit + int(r, -1, 1);
			if (r() < 0.5) return prose(r, n + 50).slice(0, n);
			return `\`\`\`js\n${run(r, n, 'ab \n')}`.slice(0, n - 4) + '\n```';
		},
		messages: (text, limit) => (text.length <= limit ? 1 : 2),
	},
];

// ---------------------------------------------------------------------------------------------
// Reference checks, written independently of the implementation.

const segmenter = new Intl.Segmenter('en', { granularity: 'grapheme' });
/**
 * Whether a position of `text` is a grapheme boundary, segmenting only the lines asked about: a boundary
 * always follows LF, and Node 20's segmenter is slow (and superlinear on long strings).
 */
function graphemeBoundaries(text: string): { has: (p: number) => boolean } {
	const lines = new Map<number, Set<number>>();
	return {
		has(p) {
			const start = text.lastIndexOf('\n', p - 1) + 1;
			if (start === p || p === text.length) return true;
			let set = lines.get(start);
			if (!set) {
				const newline = text.indexOf('\n', start);
				const line = text.slice(start, newline === -1 ? text.length : newline + 1);
				set = new Set();
				for (const { index } of segmenter.segment(line)) set.add(start + index); // far faster than spreading
				lines.set(start, set);
			}
			return set.has(p);
		},
	};
}

/** The ``` block open at `offset` of the original text (its fence line's start and language), if any. */
function openBlockAt(text: string, offset: number): { start: number; language: string } | undefined {
	let block: { start: number; language: string } | undefined;
	for (let start = 0; start < offset; ) {
		const newline = text.indexOf('\n', start);
		const end = newline === -1 ? text.length : newline;
		if (text.startsWith('```', start)) block = block ? undefined : { start, language: text.slice(start + 3, end).trim() };
		start = end + 1;
	}
	return block;
}

interface Step {
	at: number;
	rest: string;
	carryIn: string;
	piece: Piece;
}

function walk(text: string, limit: number): Step[] {
	const steps: Step[] = [];
	let carry = '';
	for (let at = 0; at < text.length; ) {
		const rest = text.slice(at);
		const piece = takePiece(rest, limit, carry);
		steps.push({ at, rest, carryIn: carry, piece });
		if (piece.consumed <= 0) throw new Error(`no progress at ${at}`);
		at += piece.consumed;
		carry = piece.carry;
	}
	return steps;
}

const isSoftCut = (rest: string, p: number): boolean =>
	/\s/.test(rest.charAt(p - 1)) || /[。！？][」』）]*$/.test(rest.slice(Math.max(0, p - 4), p));

/** A newline the splitter may not cut at, because an empty code block would be left on one side. */
const besideFence = (rest: string, i: number): boolean =>
	rest.charAt(i) === '\n' && (rest.startsWith('```', i + 1) || rest.startsWith('```', rest.lastIndexOf('\n', i - 1) + 1));

/** For plain prose: where the cut must be, following the documented preference and thresholds. */
function expectedProseCut(rest: string, room: number): number | undefined {
	const end = Math.min(rest.length, room);
	const solid = rest.search(/\S/);
	const latest = (test: (p: number) => boolean, share: number): number | undefined => {
		for (let p = end; p >= Math.max(solid + 2, share * end); p--) if (test(p)) return p;
		return undefined;
	};
	return (
		latest((p) => rest.slice(p - 2, p) === '\n\n', BREAK_MIN_SHARE.paragraph) ??
		latest((p) => rest.charAt(p - 1) === '\n', BREAK_MIN_SHARE.line) ??
		latest((p) => rest.charAt(p - 1) === ' ' && /[.!?…]["')]*\s+$/.test(rest.slice(Math.max(0, p - 8), p)), BREAK_MIN_SHARE.sentence) ??
		latest((p) => /\s/.test(rest.charAt(p - 1)), 0)
	);
}

interface Stats {
	pieces: number;
	hard: number;
	carried: number;
	kinds: Record<'paragraph' | 'line' | 'sentence' | 'word', number>;
	/** Cuts where the naive cut at the budget would have split a grapheme cluster. */
	naiveWouldSplit: number;
}

function checkText(text: string, limit: number, prose: boolean, stats: Stats, label: string): void {
	const steps = walk(text, limit);
	const boundaries = graphemeBoundaries(text);
	expect(steps.map((s) => s.rest.slice(0, s.piece.consumed)).join(''), label).toBe(text);
	expect(splitText(text, limit), label).toEqual(steps.map((s) => s.piece.content));
	for (const [k, { at, rest, carryIn, piece }] of steps.entries()) {
		const where = `${label}, piece ${k} at ${at}`;
		const cut = at + piece.consumed;
		const slice = rest.slice(0, piece.consumed);
		const room = limit - carryIn.length;
		stats.pieces++;
		expect(piece.content.length, where).toBeLessThanOrEqual(limit);
		expect(piece.content.startsWith(carryIn + slice), where).toBe(true);
		const suffix = piece.content.slice(carryIn.length + slice.length);
		expect(['', '```', '\n```'], where).toContain(suffix);
		if (suffix !== '') expect(piece.content.endsWith('\n```'), where).toBe(true);
		expect(boundaries.has(cut), `${where}: cut at ${cut} is inside a grapheme cluster`).toBe(true);

		const fenceLines = piece.content.split('\n').filter((line) => line.startsWith('```'));
		expect(fenceLines.length % 2, `${where}: unbalanced fences`).toBe(0);
		expect(/^```[^\n]*\n```$/m.test(piece.content) && !/^```[^\n]*\n```/m.test(text), `${where}: empty block`).toBe(false);
		const block = openBlockAt(text, cut);
		expect(piece.carry, where).toBe(block ? `\`\`\`${block.language}\n` : '');
		expect(suffix !== '', where).toBe(piece.carry !== '');
		if (piece.carry !== '') stats.carried++;

		const solid = rest.search(/\S/);
		const end = Math.min(rest.length, room);
		if (block && cut < text.length && block.start - at > solid && block.start - at >= BREAK_MIN_SHARE.paragraph * end) {
			expect.fail(`${where}: cut inside a block although the break before it, at ${block.start - at}, was late enough`);
		}
		if (solid >= 0 && solid < room - 4) expect(/\S/.test(slice), `${where}: whitespace-only piece`).toBe(true);
		if (cut === text.length) continue;

		if (at + room < text.length && !boundaries.has(at + room)) stats.naiveWouldSplit++;
		if (!isSoftCut(rest, piece.consumed)) {
			stats.hard++;
			for (let i = Math.max(solid, 0) + 1; i < Math.min(rest.length, room - 4); i++) {
				const usable =
					/\s/.test(rest.charAt(i)) && boundaries.has(at + i + 1) && !besideFence(rest, i) && rest.slice(i, i + 2) !== '\r\n';
				if (usable) expect.fail(`${where}: hard cut at ${piece.consumed} although whitespace at ${i} could be cut after`);
			}
		}
		if (prose) {
			expect(piece.consumed, `${where}: preferred boundary`).toBe(expectedProseCut(rest, room));
			const p = piece.consumed;
			const sentenceEnd = /[.!?…]["')]*\s$/.test(rest.slice(Math.max(0, p - 8), p));
			stats.kinds[rest.slice(p - 2, p) === '\n\n' ? 'paragraph' : rest.charAt(p - 1) === '\n' ? 'line' : sentenceEnd ? 'sentence' : 'word']++;
		}
	}
}

// ---------------------------------------------------------------------------------------------

describe('splitting generated texts (properties)', () => {
	for (const [index, family] of FAMILIES.entries()) {
		it(`${family.name}: pieces fit, rebuild the text, cut at grapheme and preferred boundaries, balance fences`, () => {
			const r = seeded(1_000 + index);
			const stats: Stats = { pieces: 0, hard: 0, carried: 0, kinds: { paragraph: 0, line: 0, sentence: 0, word: 0 }, naiveWouldSplit: 0 };
			for (let n = 0; n < family.count; n++) {
				const limit = family.limit(r);
				const text = family.make(r, limit);
				const label = `${family.name} #${n} (limit ${limit}, length ${text.length})`;
				checkText(text, limit, family.prose === true, stats, label);
				if (family.messages) expect(splitText(text, limit), label).toHaveLength(family.messages(text, limit));
			}
			// The generators must actually reach the cases the properties are about.
			expect(stats.pieces).toBeGreaterThan(family.count);
			family.covers?.(stats);
		});
	}
});

describe('streaming', () => {
	it('cuts a growing text where splitText cuts the finished one, once LOOKAHEAD more units are in', () => {
		const r = seeded(7);
		const sources = FAMILIES.filter((f) => ['prose', 'emoji around the limit', 'code blocks'].includes(f.name));
		for (let n = 0; n < 60; n++) {
			const limit = pick(r, [DISCORD_MESSAGE_LIMIT, 300]);
			const text = pick(r, sources).make(r, limit);
			const sent: string[] = [];
			let carry = '';
			let at = 0;
			const send = (received: number): void => {
				const piece = takePiece(text.slice(at, received), limit, carry);
				sent.push(piece.content);
				at += piece.consumed;
				carry = piece.carry;
			};
			for (let received = 0; received < text.length; ) {
				received = Math.min(text.length, received + int(r, 1, 400));
				// The renderer cuts only once the unsent text overflows by LOOKAHEAD units.
				while (received - at >= limit - carry.length + LOOKAHEAD) send(received);
			}
			while (at < text.length) send(text.length);
			expect(sent, `text #${n}`).toEqual(splitText(text, limit));
		}
	});

	it('waits long enough to see a code fence that starts right at the budget', () => {
		const text = `${words(300).slice(0, 1_200)}\n\n${words(300).slice(0, 797)}\n\`\`\`js\nlet a;\n\`\`\``;
		expect(text.indexOf('```')).toBe(2_000); // the break before it is a block edge, preferred to the blank line
		const first = takePiece(text.slice(0, 2_000 + LOOKAHEAD), 2_000);
		expect(first.consumed).toBe(2_000);
		expect([first.content, ...splitText(text.slice(first.consumed))]).toEqual(splitText(text));
	});
});

describe('takePiece', () => {
	it('returns the whole text as one piece when it is exactly at the limit, and cuts at limit + 1', () => {
		const exact = 'y'.repeat(DISCORD_MESSAGE_LIMIT);
		expect(takePiece(exact, DISCORD_MESSAGE_LIMIT)).toEqual({ content: exact, consumed: exact.length, carry: '' });
		expect(splitText(`${exact}y`)).toEqual([exact, 'y']);
	});

	it('cuts right after a paragraph break in the second half of the window', () => {
		const text = `${words(300).slice(0, 1498)}\n\n${words(120)}`;
		expect(text.length).toBeGreaterThan(2_000);
		const piece = takePiece(text, 2_000);
		expect(piece.consumed).toBe(1_500);
		expect(piece.content.endsWith('\n\n')).toBe(true);
	});

	it('prefers a sentence end at 1900 to a paragraph break at 120', () => {
		const text = `${'a'.repeat(118)}\n\n${words(400).slice(0, 1777)}. ${words(100)}`;
		expect(takePiece(text, 2_000).consumed).toBe(1_899);
	});

	it('prefers a late line break to a later sentence end', () => {
		const text = `${words(400).slice(0, 1499)}\n${words(400).slice(0, 440)}. ${words(100)}`;
		expect(takePiece(text, 2_000).consumed).toBe(1_500);
	});

	it('treats a full stop followed by closing quotes as a sentence end', () => {
		const text = `${words(400).slice(0, 1797)}." ${words(100)}`;
		expect(takePiece(text, 2_000).content.endsWith('." ')).toBe(true);
	});

	it('cuts CJK text after a full stop rather than through a sentence', () => {
		const text = `${'中'.repeat(1799)}。${'文'.repeat(800)}`;
		expect(takePiece(text, 2_000).consumed).toBe(1_800);
	});

	it('falls back to the last word break when no sentence ends late enough', () => {
		const piece = takePiece(words(600), 2_000);
		expect(piece.consumed).toBe(2_000);
		expect(piece.content.endsWith('word ')).toBe(true);
	});

	it('cuts a run without whitespace exactly at the budget', () => {
		expect(takePiece('x'.repeat(3_000), 2_000).consumed).toBe(2_000);
	});

	it('does not cut off a whitespace-only piece before the first word', () => {
		const piece = takePiece(`${'\n'.repeat(1_995)}${'x'.repeat(3_000)}`, 2_000);
		expect(piece.content).toMatch(/\S/);
	});

	it('never splits a surrogate pair at the edge', () => {
		expect(takePiece(`${'a'.repeat(1_999)}${'😀'.repeat(10)}`, 2_000).consumed).toBe(1_999);
	});

	it('keeps an emoji ZWJ sequence, a skin tone and a combining accent whole across the edge', () => {
		expect(takePiece(`${'a'.repeat(1_995)}👨‍👩‍👧‍👦b`, 2_000).consumed).toBe(1_995);
		expect(takePiece(`${'a'.repeat(1_998)}👍🏿b`, 2_000).consumed).toBe(1_998);
		expect(takePiece(`${'a'.repeat(1_999)}e\u0301${'b'.repeat(100)}`, 2_000).consumed).toBe(1_999);
	});

	it('keeps flags paired in a long run of regional indicators', () => {
		expect(takePiece(`a${'🇯🇵'.repeat(600)}`, 2_000).consumed).toBe(1_997);
	});

	it('does not separate CR from LF', () => {
		expect(takePiece(`${'a'.repeat(1_999)}\r\n${'b'.repeat(100)}`, 2_000).consumed).toBe(1_999);
	});

	it('cuts at a code point boundary when a single grapheme is wider than the budget', () => {
		const piece = takePiece(`👍${'🏿'.repeat(1_500)}`, 2_000);
		expect(piece.consumed).toBe(2_000);
		expect(takePiece(`👍${'🏿'.repeat(1_500)}`, 1_999).consumed).toBe(1_998);
	});

	it('closes a code block cut in the middle and carries its language to the next piece', () => {
		const code = Array.from({ length: 200 }, (_, i) => `print(${i})  # step`).join('\n');
		const [first, second] = splitText(`Intro.\n\`\`\`py\n${code}\n\`\`\`\nOutro.`);
		expect(first?.endsWith('\n```')).toBe(true);
		expect(second?.startsWith('```py\nprint(')).toBe(true);
		expect(takePiece(`\`\`\`py\n${code}`, 2_000).carry).toBe('```py\n');
	});

	it('reopens a block without a language as a bare fence', () => {
		expect(takePiece(`\`\`\`\n${'line of code\n'.repeat(300)}`, 2_000).carry).toBe('```\n');
	});

	it('prefers cutting before a code block to cutting inside it', () => {
		const text = `${words(400).slice(0, 1_100)}\n\`\`\`js\n${'let a = 1;\n'.repeat(200)}\`\`\``;
		const piece = takePiece(text, 2_000);
		expect(piece).toEqual({ content: text.slice(0, 1_101), consumed: 1_101, carry: '' });
	});

	it('prefers the paragraph break before a code block to a later blank line inside it', () => {
		const code = `${'let a = 1;\n'.repeat(70)}\n${'let b = 2;\n'.repeat(40)}`; // blank line at 1101 + 776
		const text = `${words(400).slice(0, 1_100)}\n\`\`\`js\n${code}\`\`\``;
		expect(takePiece(text, 2_000).consumed).toBe(1_101);
	});

	it('never cuts between the backticks of a fence line', () => {
		// Accents join the third backtick, so the only grapheme boundaries near the start are inside "```".
		const piece = takePiece(`\`\`\`${'\u0301'.repeat(3_000)}`, 2_000);
		expect(piece.consumed).toBeGreaterThan(3);
		expect(piece.content.split('\n').filter((line) => line.startsWith('```'))).toHaveLength(2);
	});

	it('does not end a piece with an empty block right after the opening fence line', () => {
		const text = `${words(400).slice(0, 900)}\n\`\`\`js\n${'x'.repeat(3_000)}\n\`\`\``;
		expect(takePiece(text, 2_000).consumed).toBe(901);
	});

	it('does not start the next piece with an empty block when the closing fence line does not fit', () => {
		// The closing fence starts at 1997, so a cut just before it would fit but the line after it would not.
		const text = `\`\`\`js\nx${'code line\n'.repeat(199)}\`\`\`\nafter`;
		expect(text.indexOf('```\nafter')).toBe(1_997);
		const [, second] = splitText(text);
		expect(second).not.toMatch(/^```js\n```/);
	});

	it('counts the carry toward the budget and starts the content with it', () => {
		const carry = '```py\n';
		const piece = takePiece('x = 1\n'.repeat(500), 2_000, carry);
		expect(piece.content.startsWith(carry)).toBe(true);
		expect(piece.content.length).toBeLessThanOrEqual(2_000);
		expect(piece.content.length).toBeGreaterThan(1_990);
		expect(piece.carry).toBe(carry);
		expect(takePiece('x = 1\n```\nprose', 2_000, carry)).toEqual({ content: '```py\nx = 1\n```\nprose', consumed: 15, carry: '' });
	});

	it('closes a block that is still open at the end of a text that fits', () => {
		expect(takePiece('```js\nlet a', 2_000)).toEqual({ content: '```js\nlet a\n```', consumed: 11, carry: '```js\n' });
	});

	it('rejects a budget too small to make progress', () => {
		expect(() => takePiece('text', 10)).toThrow(RangeError);
		expect(() => takePiece('text', 30, '```typescript-and-more\n')).toThrow(RangeError);
	});

	it('reads only about one budget of a long text', () => {
		const chunk = `${words(40)}.\n\n\`\`\`js\nlet a = 1;\n\`\`\`\n`;
		const small = chunk.repeat(Math.ceil(4_000 / chunk.length));
		const large = chunk.repeat(Math.ceil(4_000_000 / chunk.length));
		const time = (text: string): number => {
			let best = Infinity;
			for (let round = 0; round < 3; round++) {
				const start = performance.now();
				for (let i = 0; i < 30; i++) takePiece(text, 2_000);
				best = Math.min(best, performance.now() - start);
			}
			return best;
		};
		time(small); // warm up
		time(large);
		expect(time(large)).toBeLessThan(time(small) * 4 + 25);
	});
});

describe('fits', () => {
	it('counts the carry and the closing fence an unterminated block needs', () => {
		expect(fits('a'.repeat(2_000), 2_000)).toBe(true);
		expect(fits('a'.repeat(2_001), 2_000)).toBe(false);
		expect(fits(`\`\`\`js\n${'a'.repeat(1_990)}`, 2_000)).toBe(true); // 1996 + "\n```"
		expect(fits(`\`\`\`js\n${'a'.repeat(1_991)}`, 2_000)).toBe(false);
		expect(fits('a'.repeat(1_994), 2_000, '```py\n')).toBe(false); // 6 + 1994 + "\n```"
		expect(fits('a'.repeat(1_990), 2_000, '```py\n')).toBe(true);
	});
});

describe('openFenceAt', () => {
	it('returns the reopening line of a block left open, or nothing when fences balance', () => {
		expect(openFenceAt('text\n```ts\nlet a\n')).toBe('```ts\n');
		expect(openFenceAt('```ts\nlet a\n```\n')).toBe('');
		expect(openFenceAt('more code\n', '```py\n')).toBe('```py\n');
		expect(openFenceAt('```not a language\ncode')).toBe('```\n');
	});
});

describe('splitText', () => {
	it('returns no messages for an empty text', () => {
		expect(splitText('')).toEqual([]);
	});
});
