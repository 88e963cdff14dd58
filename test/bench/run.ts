/**
 * `npm run bench`: the built bot against both fakes under concurrent realistic streams, ours against
 * the naive renderer (RENDERER=naive), printed as a table and written as JSON.
 *
 *   --concurrency 1,50,200   generations started at once, per load (each at most 1000; 500 checks roster
 *                            saves, 1000 the single-process ceiling: `--concurrency 200,500,1000`)
 *   --naive / --no-naive     also run the naive baseline (default on)
 *   --naive-max N            ...but only at concurrencies up to N (default 200: at 1000 it takes many minutes)
 *   --floor / --no-floor     also run the floor bot (floor-bot.mjs: a bare discord.js bot that only defers,
 *                            asks Convai and writes once) for the ack and upstream-start figures no
 *                            discord.js bot can beat on this machine (default on)
 *   --chart path             the SVG chart of the loads (default bench-results/bench.svg; docs/bench.svg is the README's)
 *   --profile dir            the bot writes a CPU profile (inspector, as --cpu-prof) and one heap snapshot 6 s into each load
 *                            into dir (the snapshot pauses the bot for seconds: profile runs are not measurements)
 *   --soak N                 instead: N generations back to back, RSS and open handles before and after
 *   --window K               generations in flight during a soak (default 20)
 *   --seed S                 seed of the stories and their timing (default 1)
 *   --env KEY=VALUE          extra bot environment, repeatable, for experiments (e.g. STORE_URL=memory://)
 *   --out path               JSON results (default bench-results/latest.json)
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { cpus, totalmem } from 'node:os';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import type { Harness } from '../support/harness.js';
import { benchChart } from './chart.js';
import * as load from './load.js';
import type { LoadMetrics } from './metrics.js';
import { floorFigures, floorLines, table, targetLines, targets } from './report.js';
import { runSoak, soakTable, type SoakResult } from './soak.js';
import { REALISTIC } from './workload.js';

const MAX_CONCURRENCY = 1_000;
/** When a profiled load takes its heap snapshot: every stream started, most still writing. */
const HEAP_SNAPSHOT_AT_MS = 6_000;
/** The bot's default EDIT_INTERVAL_MS: the bench measures what people run. */
const EDIT_INTERVAL_MS = 1_200;

const { values } = parseArgs({
	options: {
		concurrency: { type: 'string', default: '1,50,200' },
		naive: { type: 'boolean', default: true },
		'no-naive': { type: 'boolean', default: false },
		'naive-max': { type: 'string', default: '200' },
		floor: { type: 'boolean', default: true },
		'no-floor': { type: 'boolean', default: false },
		chart: { type: 'string', default: 'bench-results/bench.svg' },
		profile: { type: 'string' },
		soak: { type: 'string' },
		window: { type: 'string', default: '20' },
		seed: { type: 'string', default: '1' },
		env: { type: 'string', multiple: true, default: [] },
		out: { type: 'string', default: 'bench-results/latest.json' },
	},
});

const fail = (message: string): never => {
	process.stderr.write(`bench: ${message}\n`);
	process.exit(2);
};
const wholeNumber = (text: string, name: string, min: number, max: number): number => {
	const value = Number(text);
	return Number.isInteger(value) && value >= min && value <= max ? value : fail(`${name} must be a whole number from ${min} to ${max}, not "${text}"`);
};
const concurrencies = values.concurrency.split(',').map((part) => wholeNumber(part.trim(), '--concurrency', 1, MAX_CONCURRENCY));
const withNaive = values.naive && !values['no-naive'];
const withFloor = values.floor && !values['no-floor'];
const FLOOR_BOT = fileURLToPath(new URL('./floor-bot.mjs', import.meta.url));
const naiveMax = wholeNumber(values['naive-max'], '--naive-max', 1, MAX_CONCURRENCY);
const seed = wholeNumber(values.seed, '--seed', 0, 2 ** 31);
const log = (line: string) => process.stderr.write(`${line}\n`);
const env = Object.fromEntries(
	values.env.map((pair) => {
		const at = pair.indexOf('=');
		return at > 0 ? [pair.slice(0, at), pair.slice(at + 1)] : fail(`--env takes KEY=VALUE, not "${pair}"`);
	}),
);
const profileDir = values.profile === undefined ? undefined : resolve(values.profile);
if (profileDir) {
	mkdirSync(profileDir, { recursive: true });
	const preload = fileURLToPath(new URL('./preload-profile.mjs', import.meta.url));
	env['BENCH_PROFILE_DIR'] = profileDir;
	env['NODE_OPTIONS'] = `${env['NODE_OPTIONS'] ?? ''} --import ${preload} --heapsnapshot-signal=SIGUSR1 --diagnostic-dir=${profileDir}`.trim();
}

// An interrupted bench must not leave a bot running or a port open.
let soakHarness: Harness | undefined;
for (const signal of ['SIGINT', 'SIGTERM'] as const) {
	process.once(signal, () => {
		log(`bench: ${signal}, stopping the bot and the fakes`);
		void Promise.allSettled([load.current?.close(), soakHarness?.close()]).then(() => process.exit(130));
	});
}

const machine = { cpus: cpus().length, cpuModel: cpus()[0]?.model ?? 'unknown', totalMemoryMB: Math.round(totalmem() / 2 ** 20), node: process.version };
const results: {
	loads: Array<{ concurrency: number; ours: LoadMetrics; naive?: LoadMetrics; floor?: ReturnType<typeof floorFigures>; targets: ReturnType<typeof targets> }>;
	soak?: SoakResult;
} = { loads: [] };
log(`bench: ${machine.cpus} × ${machine.cpuModel}, Node ${machine.node}; stories ${REALISTIC.minChars}–${REALISTIC.maxChars} chars over ${REALISTIC.minDurationMs / 1000}–${REALISTIC.maxDurationMs / 1000} s`);

if (values.soak !== undefined) {
	const count = wholeNumber(values.soak, '--soak', 1, 100_000);
	const window = wholeNumber(values.window, '--window', 1, MAX_CONCURRENCY);
	results.soak = await runSoak(count, window, seed, env, log, (h) => (soakHarness = h));
	process.stdout.write(`${soakTable(results.soak)}\n`);
} else {
	for (const concurrency of concurrencies) {
		const common = {
			concurrency,
			editIntervalMs: EDIT_INTERVAL_MS,
			seed,
			shape: REALISTIC,
			env,
			log,
			...(profileDir ? { heapSnapshotAtMs: HEAP_SNAPSHOT_AT_MS } : {}),
		};
		log(`bench: ${concurrency} at once`);
		const ours = await load.runLoad({ ...common, renderer: 'coalescing', timeoutMs: 120_000 });
		// The naive renderer drains one edit per event through a 5-per-2-s bucket: minutes, not seconds.
		const naive = withNaive && concurrency <= naiveMax ? await load.runLoad({ ...common, renderer: 'naive', timeoutMs: 400_000 }) : undefined;
		const floor = withFloor ? await load.runLoad({ ...common, renderer: 'coalescing', entry: FLOOR_BOT, timeoutMs: 120_000 }) : undefined;
		const checks = targets(ours, naive, floor);
		results.loads.push({ concurrency, ours, ...(naive ? { naive } : {}), ...(floor ? { floor: floorFigures(floor) } : {}), targets: checks });
		process.stdout.write(`\n${table(ours, naive)}\n${floor ? `${floorLines(ours, floor)}\n` : ''}targets (ours):\n${targetLines(checks)}\n`);
	}
	const chart = resolve(values.chart);
	mkdirSync(dirname(chart), { recursive: true });
	const date = new Date().toISOString().slice(0, 10);
	writeFileSync(chart, await benchChart(results.loads, `${machine.cpus} × ${machine.cpuModel}, Node ${machine.node}, ${date}, EDIT_INTERVAL_MS=${EDIT_INTERVAL_MS}`));
	log(`bench: chart written to ${chart}`);
}

const out = resolve(values.out);
mkdirSync(dirname(out), { recursive: true });
writeFileSync(out, `${JSON.stringify({ generatedAt: new Date().toISOString(), machine, options: { concurrencies, withNaive, withFloor, seed, editIntervalMs: EDIT_INTERVAL_MS, stories: REALISTIC, env }, ...results }, null, 2)}\n`);
log(`bench: results written to ${out}`);
