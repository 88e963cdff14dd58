import type { FakeConvai } from '../support/fake-convai.js';
import { finalTextAt, firstTextAt, MessageFlag, unchangedWrites, writesOf, type FakeDiscord, type Interaction } from '../support/fake-discord/index.js';
import { WRITING_MARKER_TEXT } from '../support/harness.js';
import type { Generation } from './workload.js';

/** One generation as the fakes recorded it. Times are milliseconds between two moments on one clock. */
export interface Sample {
	/** INTERACTION_CREATE sent to the deferred callback arriving. */
	ackMs: number | undefined;
	/** INTERACTION_CREATE sent to the upstream request arriving (what the bot does before asking Convai). */
	upstreamStartMs: number | undefined;
	/** First upstream event written to the first text visible in Discord. */
	firstTextMs: number | undefined;
	/** Upstream response ended to the whole final text visible. */
	finalTextMs: number | undefined;
	messages: number;
	/** Private notes to the author after the story (e.g. "could not be saved to the roster"): not story text. */
	ephemeralNotes: number;
	writes: number;
	unchangedWrites: number;
	/** The final visible text is the upstream text, exactly, with no "writing…" marker left. */
	exact: boolean;
	/** The bot logged the run as finished (any outcome). */
	finished: boolean;
	/** For a run that is not exact: what differs, to start an investigation from the JSON. */
	problem?: string;
}

/**
 * Both fakes run in this process and stamp performance.now(), so their moments subtract directly;
 * anything read from another process would first go through performance.timeOrigin + now().
 */
export function sample(
	discord: FakeDiscord,
	convai: FakeConvai,
	generation: Generation,
	interaction: Interaction,
	finished: Record<string, unknown> | undefined,
): Sample {
	const all = discord.messagesOf(interaction.id);
	const messages = all.filter((message) => (message.flags & MessageFlag.Ephemeral) === 0);
	const upstream = convai.requests.find((request) => request.form['charName'] === generation.name);
	const first = firstTextAt(messages);
	const final = finalTextAt(messages);
	const difference = (end: number | undefined, start: number | undefined) => (end === undefined || start === undefined ? undefined : end - start);
	const header = `📜 **${generation.name}**\n`;
	const joined = messages.map((message) => message.content).join('');
	const shown = joined.startsWith(header) ? joined.slice(header.length) : joined;
	const exact = shown === generation.text && messages.every((message) => !message.content.includes(WRITING_MARKER_TEXT));
	return {
		ackMs: difference(interaction.callback?.at, interaction.createdAt),
		upstreamStartMs: difference(upstream?.clock.received, interaction.createdAt),
		firstTextMs: difference(first, upstream?.clock.firstWrite),
		finalTextMs: difference(final, upstream?.clock.ended),
		messages: messages.length,
		ephemeralNotes: all.length - messages.length,
		writes: messages.reduce((sum, message) => sum + writesOf(message).length, 0),
		unchangedWrites: messages.reduce((sum, message) => sum + unchangedWrites(message), 0),
		exact,
		finished: finished !== undefined,
		...(exact ? {} : { problem: describeProblem(generation, shown, finished, upstream?.endedBy) }),
	};
}

function describeProblem(generation: Generation, shown: string, finished: Record<string, unknown> | undefined, endedBy: string | undefined): string {
	let at = 0;
	while (at < shown.length && shown[at] === generation.text[at]) at += 1;
	const outcome = finished ? String(finished['outcome']) : 'not finished';
	return (
		`${generation.name}: outcome ${outcome}, upstream ended by ${endedBy ?? 'nobody'}, shown ${shown.length} of ${generation.text.length} chars, ` +
		`first difference at ${at}: ${JSON.stringify(shown.slice(at, at + 60))}`
	);
}

export function percentile(values: Array<number | undefined>, p: number): number {
	const sorted = values.filter((value): value is number => value !== undefined).sort((a, b) => a - b);
	if (sorted.length === 0) return NaN;
	return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)]!;
}

export interface ProcessMetrics {
	cpuSecondsPer100: number;
	peakRssMB: number;
	eventLoopDelayP99Ms: number;
}

export interface HarnessMetrics {
	/** CPU seconds the bench process (both fakes) used per wall second of the load: 1 = one full core. */
	fakesCpuCores: number;
	fakesLoopDelayP99Ms: number;
	/** Share of both cores busy during the load, every process included. */
	machineBusy: number;
}

export interface LoadMetrics {
	concurrency: number;
	renderer: 'coalescing' | 'naive';
	editIntervalMs: number;
	wallSeconds: number;
	/** `max` counts a missing ack as infinitely late: Discord fails any command not acknowledged within 3 s. */
	ack: { p50: number; p95: number; p99: number; max: number };
	upstreamStart: { p50: number; p95: number };
	firstText: { p50: number; p95: number };
	finalText: { p50: number; p95: number };
	writesPerMessage: number;
	messagesPerGeneration: number;
	answered429: number;
	ephemeralNotes: number;
	/** The bot's warn and error log lines during the load, counted by message. */
	botWarnings: Record<string, number>;
	unchangedWrites: number;
	mismatches: number;
	/** The first few runs that were not exact, described. */
	problems: string[];
	unfinished: number;
	violations: number;
	bot: ProcessMetrics;
	fakes: HarnessMetrics;
}

export function summarize(
	samples: Sample[],
	context: Pick<LoadMetrics, 'concurrency' | 'renderer' | 'editIntervalMs' | 'wallSeconds' | 'bot' | 'fakes' | 'botWarnings'>,
	discord: FakeDiscord,
): LoadMetrics {
	const of = (pick: (s: Sample) => number | undefined) => samples.map(pick);
	const sum = (pick: (s: Sample) => number) => samples.reduce((total, s) => total + pick(s), 0);
	return {
		...context,
		ack: {
			p50: percentile(of((s) => s.ackMs), 50),
			p95: percentile(of((s) => s.ackMs), 95),
			p99: percentile(of((s) => s.ackMs), 99),
			max: samples.some((s) => s.ackMs === undefined) ? Number.POSITIVE_INFINITY : Math.max(...samples.map((s) => s.ackMs ?? 0)),
		},
		upstreamStart: { p50: percentile(of((s) => s.upstreamStartMs), 50), p95: percentile(of((s) => s.upstreamStartMs), 95) },
		firstText: { p50: percentile(of((s) => s.firstTextMs), 50), p95: percentile(of((s) => s.firstTextMs), 95) },
		finalText: { p50: percentile(of((s) => s.finalTextMs), 50), p95: percentile(of((s) => s.finalTextMs), 95) },
		writesPerMessage: sum((s) => s.writes) / Math.max(1, sum((s) => s.messages)),
		messagesPerGeneration: sum((s) => s.messages) / Math.max(1, samples.length),
		answered429: discord.requests.filter((request) => request.status === 429).length,
		ephemeralNotes: sum((s) => s.ephemeralNotes),
		unchangedWrites: sum((s) => s.unchangedWrites),
		mismatches: samples.filter((s) => !s.exact).length,
		problems: samples.flatMap((s) => (s.problem ? [s.problem] : [])).slice(0, 10),
		unfinished: samples.filter((s) => !s.finished).length,
		violations: discord.violations.length,
	};
}
