import { mulberry32, proseEvents, sseScript, type Script } from '../support/fake-convai.js';
import { GUILD_ID } from '../support/harness.js';

export interface StreamShape {
	minChars: number;
	maxChars: number;
	minDurationMs: number;
	maxDurationMs: number;
}

/** What the issue calls realistic: 1500 to 3000 characters over 5 to 15 s. */
export const REALISTIC: StreamShape = { minChars: 1_500, maxChars: 3_000, minDurationMs: 5_000, maxDurationMs: 15_000 };

export interface Generation {
	index: number;
	/** Unique per generation: the fake Convai picks the script by name, and the metrics join on it. */
	name: string;
	userId: string;
	guildId: string;
	text: string;
	script: Script;
	durationMs: number;
}

/**
 * Spread over a few servers so that no server's roster (500 characters by default) fills up during a
 * long soak, which would add an ephemeral "roster full" follow-up to the replies being measured.
 */
const GUILDS = Array.from({ length: 20 }, (_, index) => (BigInt(GUILD_ID) + BigInt(index * 1_000)).toString());

/**
 * `count` generations, each its own user, with seeded prose streamed one token-like event per write:
 * a thinking pause of 0.3 to 1 s, then events at an even pace with ±60 % jitter over the duration.
 */
export function workload(count: number, seed: number, shape: StreamShape = REALISTIC, offset = 0): Generation[] {
	return Array.from({ length: count }, (_, position) => {
		const index = offset + position;
		const random = mulberry32(seed * 1_000_003 + index);
		const story = proseEvents({ seed: seed * 7_919 + index, minChars: shape.minChars, maxChars: shape.maxChars });
		const durationMs = shape.minDurationMs + random() * (shape.maxDurationMs - shape.minDurationMs);
		const script = sseScript(story.events, {
			splitAt: 'event',
			delayMs: durationMs / story.events.length,
			jitter: 0.6,
			seed: index,
			firstDelayMs: 300 + random() * 700,
		});
		return {
			index,
			name: `Bench ${index}`,
			userId: (1_300_000_000_000_000_000n + BigInt(index)).toString(),
			guildId: GUILDS[index % GUILDS.length]!,
			text: story.text,
			script,
			durationMs,
		};
	});
}
