import type { LoadMetrics } from './metrics.js';

type Row = [label: string, pick: (m: LoadMetrics) => number, digits: number];

const ROWS: Row[] = [
	['ack p50 (ms)', (m) => m.ack.p50, 1],
	['ack p95 (ms)', (m) => m.ack.p95, 1],
	['ack p99 (ms)', (m) => m.ack.p99, 1],
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
}

/** The issue's targets, read off one result (200 streams for the latencies, 500 for completeness). */
export function targets(m: LoadMetrics): TargetCheck[] {
	const checks: TargetCheck[] = [];
	const check = (target: string, met: boolean, value: number | string) =>
		checks.push({ target, met, value: typeof value === 'number' ? value.toFixed(1) : value });
	// The latency and memory targets are stated for 200 concurrent streams; at 500 only completeness is.
	if (m.concurrency === 200) {
		check('ack p99 < 250 ms', m.ack.p99 < 250, m.ack.p99);
		check('first text p95 < 300 ms', m.firstText.p95 < 300, m.firstText.p95);
		check(`final text p95 < ${m.editIntervalMs + 300} ms`, m.finalText.p95 < m.editIntervalMs + 300, m.finalText.p95);
		check('zero 429s', m.answered429 === 0, m.answered429);
		check('zero unchanged edits', m.unchangedWrites === 0, m.unchangedWrites);
		check('peak RSS < 200 MB', m.bot.peakRssMB < 200, m.bot.peakRssMB);
	}
	check('every generation complete and exact', m.unfinished === 0 && m.mismatches === 0, `${m.unfinished} unfinished, ${m.mismatches} not exact`);
	return checks;
}

export function targetLines(m: LoadMetrics): string {
	return targets(m)
		.map((c) => `  [${c.met ? 'met ' : 'MISS'}] ${c.target}: ${c.value}`)
		.join('\n');
}
