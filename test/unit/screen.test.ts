import { describe, expect, it } from 'vitest';
import { createScreen } from '../../src/guard/screen.js';
import { ORDINARY_PROMPTS } from '../fixtures/ordinary-prompts.js';

const builtIn = createScreen({ builtIn: true, blockedTerms: [] });

describe('input screening', () => {
	it.each(ORDINARY_PROMPTS)('lets the ordinary prompt %s through', (name, description) => {
		expect(builtIn.check([name, description])).toEqual({ blocked: false });
	});

	it.each(['bastard sword', 'cursed orphan', 'bloody siege', 'A Bastard Sword', 'the king’s bastard son'])('lets %j through', (text) => {
		expect(builtIn.check([text])).toEqual({ blocked: false });
	});

	// Read as l33t, these numbers spell flagged words ("ass", "tit", "boobs"); as numbers they are names.
	it.each(['Bench 455', 'Unit 717', 'Agent 80085', 'Room 455, floor 7', '4 5 5'])('lets the number in %j through', (text) => {
		expect(builtIn.check([text])).toEqual({ blocked: false });
	});

	it.each([
		['l33t with a letter in it', 'you a55hole'],
		['l33t with a letter in it, spaced', 'a 5 5 h o l e'],
		['a plain term', 'go fuck yourself'],
		['l33t', 'what a pile of sh1t'],
		['look-alike letters', 'ｆｕｃｋ this'],
		['repeated letters', 'fuuuuuck'],
		['letters spaced apart', 'f u c k off'],
		['letters dotted apart', 'you c.u.n.t'],
		['a word inside another', 'motherfucking knight'],
	])('blocks %s', (_, text) => {
		expect(builtIn.check(['Fine name', text])).toEqual({ blocked: true, by: 'built-in list' });
	});

	it("blocks the owner's terms as whole words, ignoring case and spacing inside a phrase", () => {
		const screen = createScreen({ builtIn: true, blockedTerms: ['Voldemort', 'dark lord', 'c++'] });
		expect(screen.check(['VOLDEMORT returns'])).toEqual({ blocked: true, by: 'BLOCKED_TERMS' });
		expect(screen.check(['the Dark   Lord rises'])).toEqual({ blocked: true, by: 'BLOCKED_TERMS' });
		expect(screen.check(['a V o l d e m o r t fan'])).toEqual({ blocked: true, by: 'BLOCKED_TERMS' });
		expect(screen.check(['wrote it in C++ once'])).toEqual({ blocked: true, by: 'BLOCKED_TERMS' });
		// Whole words only.
		expect(screen.check(['a Voldemortian scholar', 'the darklords of old'])).toEqual({ blocked: false });
	});

	it('with SCREEN_INPUT=off keeps only the owner\'s terms', () => {
		const screen = createScreen({ builtIn: false, blockedTerms: ['Voldemort'] });
		expect(screen.check(['go fuck yourself'])).toEqual({ blocked: false });
		expect(screen.check(['voldemort'])).toEqual({ blocked: true, by: 'BLOCKED_TERMS' });
	});

	it('has fifty ordinary prompts to check', () => {
		expect(ORDINARY_PROMPTS).toHaveLength(50);
	});
});
