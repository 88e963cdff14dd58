import { describe, expect, it } from 'vitest';
import { normalizeInput } from '../../src/discord/input.js';

describe('normalizeInput', () => {
	it('trims and folds runs of whitespace', () => {
		expect(normalizeInput('  Mindy \t  Lee  ')).toBe('Mindy Lee');
	});

	it('turns control characters into spaces, so a value made only of them is empty', () => {
		expect(normalizeInput('\u0007\u0008\u001b')).toBe('');
		expect(normalizeInput('Ann\u0000ie')).toBe('Ann ie');
	});

	it('keeps letters, punctuation, emoji and mentions as typed', () => {
		expect(normalizeInput('@everyone 🧙🏽‍♀️ Zoë, *the* bold.')).toBe('@everyone 🧙🏽‍♀️ Zoë, *the* bold.');
	});
});
