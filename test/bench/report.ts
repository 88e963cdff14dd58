import type { LoadMetrics } from './metrics.js';

type Row = [label: string, pick: (m: LoadMetrics) => number, digits: number];

const ROWS: Row[] = [
	['ack p50 (ms)', (m) => m.ack.p50, 1],
	['ack p95 (ms)', (m) => m.ack.p95, 1],
	['ack p99 (ms)', (m) => m.ack.p99, 1],
	['ack max (ms; Discord fails a command after 3000)', (m) => m.ack.max, 1],
	['upstream request p50 (ms after command)', (m) => m.upstreamStart.p50, 0],
	['upstream request p95 (ms after command)', (m) => m.upstreamStart.p95, 0],
	['first text p50 (ms after 1st event)', (m) => m.firstText.p50, 0],
	['first text p95 (ms after 1st event)', (m) => m.firstText.p95, 0],
	['final text p50 (ms after upstream end)', (m) => m.finalText.p50, 0],
	['final text p95 (ms after upstream end)', (m) => m.finalText.p95, 0],
	['edits per message (its creation included)', (m) => m.writesPerMessage, 1],
	['messages per generation', (m) => m.messagesPerGeneration, 2],
	['requests answered 429', (m) => m.answered429, 0],
	['edits with unchanged content', (m) => m.unchangedWrites, 0],
	['texts not exact (mismatches)', (m) => m.mismatches, 0],
	['private notes after the story', (m) => m.ephemeralNotes, 0],
	['generations unfinished', (m) => m.unfinished, 0],
	['OpenAPI violations', (m) => m.violations, 0],
	['bot CPU s per 100 generations', (m) => m.bot.cpuSecondsPer100, 2],
	['bot peak RSS (MB)', (m) => m.bot.peakRssMB, 1],
	['bot event-loop delay p99 (ms, since start)', (m) => m.bot.eventLoopDelayP99Ms, 1],
	['fakes CPU (cores)', (m) => m.fakes.fakesCpuCores, 2],
	['fakes event-loop delay p99 (ms)', (m) => m.fakes.fakesLoopDelayP99Ms, 1],
	['machine busy (share of all cores)', (m) => m.fakes.machineBusy, 2],
	['wall time (s)', (m) => m.wallSeconds, 1],
];

const format = (value: number, digits: number) => (Number.isFinite(value) ? value.toFixed(digits) : '-');

/** ours | naive | ours/naive for one concurrency; the ratio is left out where it would divide by zero. */
export function table(ours: LoadMetrics, naive: LoadMetrics | undefined): string {
	const width = Math.max(...ROWS.map(([label]) => label.length));
	const header = `concurrency ${ours.concurrency} (EDIT_INTERVAL_MS=${ours.editIntervalMs})`.padEnd(width);
	const lines = [`${header}  ${'ours'.padStart(10)}${naive ? `  ${'naive'.padStart(10)}  ${'ours/naive'.padStart(10)}` : ''}`];
	for (const [label, pick, digits] of ROWS) {
		const mine = pick(ours);
		let line = `${label.padEnd(width)}  ${format(mine, digits).padStart(10)}`;
		if (naive) {
			const theirs = pick(naive);
			const ratio = theirs === 0 || !Number.isFinite(theirs) ? '-' : (mine / theirs).toFixed(2);
			line += `  ${format(theirs, digits).padStart(10)}  ${ratio.padStart(10)}`;
		}
		lines.push(line);
	}
	for (const [name, m] of [['ours', ours], ['naive', naive]] as const) {
		const warnings = Object.entries(m?.botWarnings ?? {}).map(([message, count]) => `${count}× ${message}`);
		if (warnings.length > 0) lines.push(`bot warnings (${name}): ${warnings.join('; ')}`);
	}
	return lines.join('\n');
}

export interface TargetCheck {
	target: string;
	met: boolean;
	value: string;
	/** The floor bot's figure in the same run, where the target is a latency it also has. */
	floor?: string;
}

/** What the floor bot's run shows: the latencies no discord.js bot beats on this machine under this load. */
export function floorFigures(floor: LoadMetrics) {
	return { ack: floor.ack, upstreamStart: floor.upstreamStart, peakRssMB: floor.bot.peakRssMB, cpuSecondsPer100: floor.bot.cpuSecondsPer100 };
}

/** Ours beside the floor bot (a bare discord.js bot: defer, Convai request, one write) under the same load. */
export function floorLines(ours: LoadMetrics, floor: LoadMetrics): string {
	const rows: Array<[string, number, number, number]> = [
		['ack p50 (ms)', ours.ack.p50, floor.ack.p50, 1],
		['ack p99 (ms)', ours.ack.p99, floor.ack.p99, 1],
		['upstream request p50 (ms after command)', ours.upstreamStart.p50, floor.upstreamStart.p50, 0],
		['upstream request p95 (ms after command)', ours.upstreamStart.p95, floor.upstreamStart.p95, 0],
		['bot peak RSS (MB)', ours.bot.peakRssMB, floor.bot.peakRssMB, 1],
	];
	const width = Math.max(...rows.map(([label]) => label.length));
	return [
		`${'floor: a bare discord.js bot, same load'.padEnd(width)}  ${'ours'.padStart(10)}  ${'floor'.padStart(10)}`,
		...rows.map(([label, mine, theirs, digits]) => `${label.padEnd(width)}  ${format(mine, digits).padStart(10)}  ${format(theirs, digits).padStart(10)}`),
	].join('\n');
}

/** The edits per message the renderer made before budget-aware writes (the bar not to exceed). */
export const EDITS_PER_MESSAGE_BEFORE = 6.2;

/**
 * The targets of the performance issues, read off one result: latencies at 200 concurrent streams
 * (against the naive renderer of the same run when it ran), roster saves at 500, the single-process
 * ceiling at 1,000, and exact texts everywhere. The machine is shared, so absolute figures carry noise;
 * the ratio to the naive renderer is measured under the same load.
 */
export function targets(m: LoadMetrics, naive?: LoadMetrics, floor?: LoadMetrics): TargetCheck[] {
	const checks: TargetCheck[] = [];
	const check = (target: string, met: boolean, value: number | string, floorValue?: number) =>
		checks.push({
			target,
			met,
			value: typeof value === 'number' ? value.toFixed(1) : value,
			...(floorValue === undefined ? {} : { floor: floorValue.toFixed(1) }),
		});
	if (m.concurrency === 200) {
		check('final text p95 < 300 ms after the upstream end', m.finalText.p95 < 300, m.finalText.p95);
		if (naive) {
			const times = naive.finalText.p95 / m.finalText.p95;
			check('final text p95 at least 30× below the naive renderer (same run)', times >= 30, `${times.toFixed(0)}×`);
		}
		check('first text p95 < 100 ms after the first upstream event', m.firstText.p95 < 100, m.firstText.p95);
		check('ack p99 < 150 ms', m.ack.p99 < 150, m.ack.p99, floor?.ack.p99);
		check('upstream request p95 < 100 ms after the command', m.upstreamStart.p95 < 100, m.upstreamStart.p95, floor?.upstreamStart.p95);
		check('zero 429s', m.answered429 === 0, m.answered429);
		check('zero unchanged edits', m.unchangedWrites === 0, m.unchangedWrites);
		check(`edits per message <= ${EDITS_PER_MESSAGE_BEFORE}`, m.writesPerMessage <= EDITS_PER_MESSAGE_BEFORE, m.writesPerMessage.toFixed(2));
	}
	if (m.concurrency >= 500) {
		const failedSaves = m.botWarnings['could not save a character'] ?? 0;
		check('no roster save fails', failedSaves === 0 && m.ephemeralNotes === 0, `${failedSaves} failed, ${m.ephemeralNotes} notes`);
	}
	if (m.concurrency === 1_000) {
		check('ack p99 < 1000 ms', m.ack.p99 < 1_000, m.ack.p99, floor?.ack.p99);
		check('every ack within 3000 ms', m.ack.max < 3_000, m.ack.max);
		check('final text p95 < 500 ms after the upstream end', m.finalText.p95 < 500, m.finalText.p95);
		check('peak RSS < 300 MB', m.bot.peakRssMB < 300, m.bot.peakRssMB);
	}
	check('every generation complete and exact', m.unfinished === 0 && m.mismatches === 0, `${m.unfinished} unfinished, ${m.mismatches} not exact`);
	return checks;
}

export function targetLines(checks: TargetCheck[]): string {
	return checks
		.map((c) => `  [${c.met ? 'met ' : 'MISS'}] ${c.target}: ${c.value}${c.floor === undefined ? '' : ` (floor bot: ${c.floor})`}`)
		.join('\n');
}
