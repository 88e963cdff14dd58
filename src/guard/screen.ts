import { DataSet, englishDataset, englishRecommendedTransformers, RegExpMatcher } from 'obscenity';

/**
 * Screens what would be sent to Convai (a name, a description, a message, a world setting) before
 * it is sent: Convai can blacklist the owner's key for repeated content-policy violations.
 * Built on obscenity's English dataset with its recommended transformers (l33t such as "sh1t",
 * look-alike letters, repeated letters), plus the owner's BLOCKED_TERMS.
 */

/**
 * Words the English dataset flags that are ordinary in fantasy worldbuilding. `bastard` is dropped
 * as a whole: a bastard sword, a bastard prince's claim to the throne.
 */
const DROPPED_WORDS: ReadonlySet<string> = new Set(['bastard']);

/**
 * Ordinary words and phrases containing a flagged word: a match inside one of these is ignored.
 * Matched in lower case with spaces collapsed, so spell out hyphenated forms too.
 */
const WHITELISTED_TERMS: readonly string[] = [
	'shiitake',
	'rapeseed',
	// booby trap, booby-trapped, the seabird
	'booby',
	// the sea wall of low countries
	'sea dyke',
	'sea-dyke',
	'dyke warden',
	'dyke-warden',
	'dyke reeve',
	'dyke-reeve',
];

/** Letters spelled apart to dodge a filter ("f u c k", "f.u.c.k"): three or more, joined before matching. */
const SPACED_LETTERS = /(?<![\p{L}\p{N}])(?:[\p{L}\p{N}@$!*][ .\-_*·]{1,2}){2,}[\p{L}\p{N}@$!*](?![\p{L}\p{N}])/gu;
const SEPARATORS = /[ .\-_*·]/g;

export type ScreenVerdict = { blocked: false } | { blocked: true; by: 'built-in list' | 'BLOCKED_TERMS' };

export interface Screen {
	/** Checks each input on its own; never says which word matched (it must not be echoed). */
	check(inputs: readonly string[]): ScreenVerdict;
}

export interface ScreenOptions {
	/** obscenity's English dataset on or off (SCREEN_INPUT); `blockedTerms` apply either way. */
	builtIn: boolean;
	/** The owner's own words or phrases: case-insensitive, whole words. */
	blockedTerms: readonly string[];
}

export function createScreen(options: ScreenOptions): Screen {
	const matcher = options.builtIn ? builtInMatcher() : undefined;
	const custom = customTermsPattern(options.blockedTerms);
	return {
		check(inputs) {
			for (const input of inputs) {
				const variants = variantsOf(input);
				if (custom && variants.some((text) => custom.test(text))) return { blocked: true, by: 'BLOCKED_TERMS' };
				if (matcher && variants.some((text) => hasWordMatch(matcher, text))) return { blocked: true, by: 'built-in list' };
			}
			return { blocked: false };
		},
	};
}

/**
 * A match made of digits alone is a number read as l33t ("455", "717", "80085"): an agent's number, a
 * year, a room. Only a match with at least one letter in the text as typed counts.
 */
function hasWordMatch(matcher: RegExpMatcher, text: string): boolean {
	return matcher.getAllMatches(text).some((match) => /\p{L}/u.test(text.slice(match.startIndex, match.endIndex + 1)));
}

function builtInMatcher(): RegExpMatcher {
	const dataset = new DataSet<{ originalWord: string }>()
		.addAll(englishDataset)
		.removePhrasesIf((phrase) => DROPPED_WORDS.has(phrase.metadata?.originalWord ?? ''));
	const built = dataset.build();
	return new RegExpMatcher({
		...built,
		whitelistedTerms: [...(built.whitelistedTerms ?? []), ...WHITELISTED_TERMS],
		...englishRecommendedTransformers,
	});
}

/** One case-insensitive pattern for every custom term, each a whole word (any spacing inside a phrase). */
function customTermsPattern(terms: readonly string[]): RegExp | undefined {
	if (terms.length === 0) return undefined;
	const alternatives = terms.map((term) =>
		term
			.normalize('NFKC')
			.trim()
			.split(/\s+/)
			.map((word) => word.replace(/[.*+?^${}()|[\]\\]/g, '\\$&'))
			.join('\\s+'),
	);
	return new RegExp(`(?<![\\p{L}\\p{N}_])(?:${alternatives.join('|')})(?![\\p{L}\\p{N}_])`, 'iu');
}

/**
 * The text as typed, and with letters spelled apart joined back together; also joined without the
 * run's first letter, which may be a word of its own ("a f u c k i n g knight").
 */
function variantsOf(input: string): string[] {
	const text = input.normalize('NFKC');
	const join = (run: string): string => run.replace(SEPARATORS, '');
	const joined = text.replace(SPACED_LETTERS, join);
	if (joined === text) return [text];
	const firstApart = text.replace(SPACED_LETTERS, (run) => `${run.slice(0, 1)} ${join(run.slice(1))}`);
	return [text, joined, firstApart];
}
