import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sseScript } from '../support/fake-convai.js';
import { finalContents, startHarness, type Harness } from '../support/harness.js';
import { takePiece } from '../../src/render/split.js';
import { mixedStory, tokenEvents } from '../support/token-events.js';

const LIMIT = 2_000;
const headerOf = (name: string) => `📜 **${name}**\n`;

/** The messages splitText's rules give the finished text, the first one sharing its budget with the header. */
function expectedMessages(text: string, header: string): string[] {
	const messages: string[] = [];
	let carry = '';
	for (let at = 0; at < text.length; ) {
		const piece = takePiece(text.slice(at), LIMIT - (messages.length === 0 ? header.length : 0), carry);
		messages.push((messages.length === 0 ? header : '') + piece.content);
		at += piece.consumed;
		carry = piece.carry;
	}
	return messages;
}

describe('token-sized events end to end (built bot, fake Discord, fake Convai)', () => {
	let harness: Harness;

	beforeAll(async () => {
		harness = await startHarness();
	});
	afterAll(async () => {
		await harness?.close();
	});

	it('freezes every message at a boundary the splitter chooses, never inside a word or an emoji sequence', async () => {
		const { discord, convai } = harness;
		const text = mixedStory('mixed', 11, 6_500);
		// 2 to 6 units per event, as a language model streams them: most events end inside a word.
		const events = tokenEvents(text, 5);
		harness.scriptFor('Token', sseScript(events, { splitAt: 'event', delayMs: 1 }));

		const interaction = await harness.backstory('Token', 'A character streamed a token at a time.');

		const contents = finalContents(discord, interaction);
		expect(contents).toEqual(expectedMessages(text, headerOf('Token')));
		expect(contents.length).toBeGreaterThanOrEqual(4);
		expect(discord.violations).toEqual([]);
		await convai.allClosed();
	});
});
