import { fileURLToPath } from 'node:url';
import { sendBackstory, startHarness, waitForFinished, type Harness } from '../support/harness.js';
import { NO_LIMITS } from './load.js';
import { sample } from './metrics.js';
import { diagnostics, handleCount, memoryOf, type Diagnostics } from './proc.js';
import { workload, type Generation, type StreamShape } from './workload.js';

/** Full-length stories, streamed faster, so a few hundred of them fit in a minute or two. */
const SOAK_SHAPE: StreamShape = { minChars: 1_500, maxChars: 3_000, minDurationMs: 1_000, maxDurationMs: 2_000 };
/** Longer than undici's 4 s keep-alive, so idle upstream sockets are gone before a snapshot. */
const SETTLE_MS = 6_000;
const WARM_UP = 20;
const PRELOAD_GC = fileURLToPath(new URL('./preload-gc.mjs', import.meta.url));

export interface SoakSnapshot {
	rssMB: number;
	heapUsedMB: number;
	handles: number;
	resources: Record<string, number>;
}

export interface SoakResult {
	generations: number;
	window: number;
	wallSeconds: number;
	mismatches: number;
	unfinished: number;
	before: SoakSnapshot;
	after: SoakSnapshot;
	peakRssMB: number;
	upstreamSockets: { opened: number; openAfter: number };
}

/**
 * `count` generations back to back, `window` of them in flight at any time, after a warm-up.
 * Snapshots are taken with the bot idle, its keep-alive sockets expired and its garbage collected,
 * so growth between them is what the generations left behind.
 */
export async function runSoak(
	count: number,
	window: number,
	seed: number,
	env: Record<string, string>,
	log: (line: string) => void,
	onHarness: (h?: Harness) => void,
): Promise<SoakResult> {
	const harness = await startHarness({
		env: { LOG_LEVEL: 'info', EDIT_INTERVAL_MS: '1200', NODE_OPTIONS: `--expose-gc --import ${PRELOAD_GC}`, ...NO_LIMITS, ...env },
	});
	onHarness(harness);
	try {
		const all = workload(WARM_UP + count, seed, SOAK_SHAPE);
		for (const generation of all) harness.scriptFor(generation.name, generation.script);
		await runWindowed(harness, all.slice(0, WARM_UP), window);
		const before = await snapshot(harness);
		log(`  soak: warmed up with ${WARM_UP}; ${describe(before)}`);

		const startedAt = performance.now();
		const measured = await runWindowed(harness, all.slice(WARM_UP), window);
		const wallSeconds = (performance.now() - startedAt) / 1_000;
		const after = await snapshot(harness);
		log(`  soak: ${count} generations in ${wallSeconds.toFixed(1)} s; ${describe(after)}`);
		return {
			generations: count,
			window,
			wallSeconds,
			mismatches: measured.filter((s) => !s.exact).length,
			unfinished: measured.filter((s) => !s.finished).length,
			before,
			after,
			peakRssMB: memoryOf(harness.bot.child.pid!).peakRssBytes / 2 ** 20,
			upstreamSockets: { opened: harness.convai.connectionsOpened(), openAfter: harness.convai.openConnections() },
		};
	} finally {
		onHarness(undefined);
		await harness.close();
	}
}

async function runWindowed(harness: Harness, generations: Generation[], window: number) {
	const { discord, convai, bot } = harness;
	const samples: ReturnType<typeof sample>[] = [];
	let next = 0;
	const worker = async () => {
		while (next < generations.length) {
			const generation = generations[next++]!;
			const interaction = sendBackstory(discord, generation.name, 'A character for the soak.', {
				guildId: generation.guildId,
				user: { id: generation.userId },
			});
			const finished = await waitForFinished(bot, interaction.id, 60_000).catch(() => undefined);
			samples.push(sample(discord, convai, generation, interaction, finished));
		}
	};
	await Promise.all(Array.from({ length: Math.min(window, generations.length) }, worker));
	return samples;
}

async function snapshot(harness: Harness): Promise<SoakSnapshot> {
	await new Promise((resolve) => setTimeout(resolve, SETTLE_MS));
	const d: Diagnostics = await diagnostics(harness.bot);
	return { rssMB: d.rssBytes / 2 ** 20, heapUsedMB: d.heapUsedBytes / 2 ** 20, handles: handleCount(d.resources), resources: d.resources };
}

function describe(s: SoakSnapshot): string {
	return `RSS ${s.rssMB.toFixed(1)} MB, heap ${s.heapUsedMB.toFixed(1)} MB, ${s.handles} handles ${JSON.stringify(s.resources)}`;
}

/** Flat means the figure after the soak is within 10 % of the figure before it. */
export const FLAT_SHARE = 0.1;

export function soakTable(r: SoakResult): string {
	const kinds = [...new Set([...Object.keys(r.before.resources), ...Object.keys(r.after.resources)])].sort();
	const row = (label: string, before: number | string, after: number | string, verdict = '') =>
		`${label.padEnd(34)}${String(before).padStart(10)}${String(after).padStart(10)}${verdict ? `  ${verdict}` : ''}`;
	const flat = (before: number, after: number) => {
		const change = before === 0 ? (after === 0 ? 0 : Number.POSITIVE_INFINITY) : (after - before) / before;
		const percent = Number.isFinite(change) ? `${change >= 0 ? '+' : ''}${(change * 100).toFixed(1)} %` : 'from 0';
		return `${Math.abs(change) <= FLAT_SHARE ? '[met ] flat' : '[MISS] not flat'} (${percent})`;
	};
	return [
		`soak: ${r.generations} generations, ${r.window} at a time, ${r.wallSeconds.toFixed(1)} s` +
			` (${r.mismatches} not exact, ${r.unfinished} unfinished)`,
		row('', 'before', 'after', `flat = within ${FLAT_SHARE * 100} %`),
		row('bot RSS (MB)', r.before.rssMB.toFixed(1), r.after.rssMB.toFixed(1), flat(r.before.rssMB, r.after.rssMB)),
		row('bot heap used (MB)', r.before.heapUsedMB.toFixed(1), r.after.heapUsedMB.toFixed(1), flat(r.before.heapUsedMB, r.after.heapUsedMB)),
		row('bot open handles (all kinds)', r.before.handles, r.after.handles, flat(r.before.handles, r.after.handles)),
		...kinds.map((kind) => row(`  ${kind}`, r.before.resources[kind] ?? 0, r.after.resources[kind] ?? 0)),
		row('bot peak RSS (MB)', '', r.peakRssMB.toFixed(1)),
		row('upstream sockets opened / open', '', `${r.upstreamSockets.opened} / ${r.upstreamSockets.openAfter}`),
	].join('\n');
}
