import * as vega from 'vega';
import { compile, type TopLevelSpec } from 'vega-lite';
import type { LoadMetrics } from './metrics.js';

interface Point {
	concurrency: number;
	renderer: string;
	metric: string;
	ms: number;
}

const METRICS: Array<[label: string, pick: (m: LoadMetrics) => number]> = [
	['final text p95 (ms after the upstream end)', (m) => m.finalText.p95],
	['ack p99 (ms after the command)', (m) => m.ack.p99],
];

const FLOOR = 'floor: bare discord.js bot';

/**
 * Final-text lag and ack latency against concurrency, ours against the naive renderer, as an SVG drawn
 * by Vega-Lite headlessly (no canvas, no browser), with the floor bot's ack where it ran (its final
 * text is one write, not comparable). Log scales: the two renderers differ by orders of magnitude.
 */
export async function benchChart(
	loads: Array<{ concurrency: number; ours: LoadMetrics; naive?: LoadMetrics; floor?: { ack: { p99: number } } }>,
	subtitle: string,
): Promise<string> {
	const values: Point[] = [];
	for (const load of loads) {
		if (load.floor) values.push({ concurrency: load.concurrency, renderer: FLOOR, metric: METRICS[1]![0], ms: Math.max(1, load.floor.ack.p99) });
		for (const [renderer, m] of [['ours', load.ours], ['naive', load.naive]] as const) {
			if (!m) continue;
			for (const [metric, pick] of METRICS) {
				const ms = pick(m);
				// A log scale cannot show 0 ms; 1 ms is below anything either renderer measures under load.
				if (Number.isFinite(ms)) values.push({ concurrency: m.concurrency, renderer, metric, ms: Math.max(1, ms) });
			}
		}
	}
	const spec: TopLevelSpec = {
		$schema: 'https://vega.github.io/schema/vega-lite/v6.json',
		title: { text: 'Backstory under concurrent streams: ours vs the naive renderer (and the floor)', subtitle },
		data: { values },
		facet: { column: { field: 'metric', type: 'nominal', title: null, sort: METRICS.map(([label]) => label) } },
		spec: {
			width: 320,
			height: 240,
			layer: [
				{ mark: { type: 'line', point: true } },
				{ mark: { type: 'text', dy: -9, fontSize: 10 }, encoding: { text: { field: 'ms', type: 'quantitative', format: '.0f' } } },
			],
			encoding: {
				x: { field: 'concurrency', type: 'quantitative', scale: { type: 'log' }, title: 'concurrent streams' },
				y: { field: 'ms', type: 'quantitative', scale: { type: 'log' }, title: 'ms' },
				color: { field: 'renderer', type: 'nominal', sort: ['ours', 'naive', FLOOR], title: null },
			},
		},
		resolve: { scale: { y: 'independent' } },
	};
	const view = new vega.View(vega.parse(compile(spec).spec), { renderer: 'none' });
	try {
		return await view.toSVG();
	} finally {
		view.finalize();
	}
}
