import { describe, expect, it } from 'vitest';
import { describeUpstreamError } from '../../src/interactions/errors.js';
import { english } from '../../src/i18n/text.js';
import { truncate } from '../../src/render/truncate.js';
import { UpstreamError } from '../../src/upstream/errors.js';

describe('truncate', () => {
	it('leaves a text that fits as it is', () => {
		expect(truncate('Mindy', 5)).toBe('Mindy');
	});

	it('ends a shortened text with … within the limit in UTF-16 units', () => {
		expect(truncate('Lawyer in New York City', 10)).toBe('Lawyer in…');
		expect(truncate('Lawyer in New York City', 10)).toHaveLength(10);
	});

	it.each([
		['a surrogate pair', 'ab😀cd', 4, 'ab…'],
		['an emoji ZWJ sequence', 'ab👩‍👧cd', 7, 'ab…'],
		['nowhere else: a whole emoji sequence that fits is kept', 'ab👩‍👧cd', 8, 'ab👩‍👧…'],
		['a letter and its combining accent', 'abe\u0301cd', 4, 'ab…'],
	])('never cuts inside %s', (_, text, max, expected) => {
		expect(truncate(text, max)).toBe(expected);
	});
});

describe("Convai's reason for a refusal", () => {
	it('is shortened without splitting an emoji into a broken character', () => {
		const detail = `${'x'.repeat(298)}😀 and more`;
		const shown = english(describeUpstreamError(new UpstreamError('rejected', 'refused', { detail })));
		expect(shown).not.toMatch(/[\uD800-\uDBFF](?![\uDC00-\uDFFF])/);
		expect(shown).toContain(`${'x'.repeat(298)}…`);
	});
});
