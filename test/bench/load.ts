import { monitorEventLoopDelay } from 'node:perf_hooks';
import { sendBackstory, startHarness, waitForFinished, type Harness } from '../support/harness.js';
import { sample, summarize, type LoadMetrics } from './metrics.js';
import { cpuSecondsOf, diagnostics, machineTicks, memoryOf } from './proc.js';
import { workload, type StreamShape } from './workload.js';

/** Limits that would turn the load away; the bench measures the streaming path, not fair use. */
export const NO_LIMITS = { COOLDOWN_SECONDS: '0', MAX_RUNNING_PER_USER: '0', MAX_RUNNING_PER_GUILD: '0', MAX_RUNNING_TOTAL: '0', DAILY_GENERATIONS_PER_USER: '0', DAILY_GENERATIONS_PER_GUILD: '0', DAILY_TALKS_PER_USER: '0' };

export interface LoadOptions {
	concurrency: number;
	renderer: 'coalescing' | 'naive';
	editIntervalMs: number;
	seed: number;
	shape: StreamShape;
	/** Generations not finished by then count as unfinished (the naive renderer can take minutes). */
	timeoutMs: number;
	/** Profiling only: signal the bot (started with --heapsnapshot-signal=SIGUSR1) to write a heap snapshot this long into the load. */
	heapSnapshotAtMs?: number;
	/** Extra bot environment, for experiments. */
	env: Record<string, string>;
	/** Another bot script instead of the built bot: the floor bot, whose texts are not checked. */
	entry?: string;
	log: (line: string) => void;
}

/** The harness of the load in progress, so an interrupted bench can still stop its bot. */
export let current: Harness | undefined;

/**
 * One measurement: fresh fakes and a fresh bot, `concurrency` generations sent at the same moment
 * (each from its own user), wait for every one to finish, then read the fakes' records and the bot's
 * process figures.
 */
export async function runLoad(options: LoadOptions): Promise<LoadMetrics> {
	const { concurrency, renderer, editIntervalMs } = options;
	const harness = await startHarness({
		env: { EDIT_INTERVAL_MS: String(editIntervalMs), RENDERER: renderer, LOG_LEVEL: 'info', ...NO_LIMITS, ...options.env },
		...(options.entry ? { entry: options.entry } : {}),
	});
	current = harness;
	try {
		const { discord, convai, bot } = harness;
		const pid = bot.child.pid!;
		const generations = workload(concurrency, options.seed, options.shape);
		for (const generation of generations) harness.scriptFor(generation.name, generation.script);

		const before = { bot: await diagnostics(bot), cpu: cpuSecondsOf(pid), machine: machineTicks(), fakesCpu: process.cpuUsage() };
		const loop = monitorEventLoopDelay({ resolution: 10 });
		loop.enable();
		const startedAt = performance.now();
		const interactions = generations.map((generation) =>
			sendBackstory(discord, generation.name, 'A character for the benchmark.', {
				guildId: generation.guildId,
				user: { id: generation.userId, username: `bench${generation.index}` },
			}),
		);
		const snapshot = options.heapSnapshotAtMs === undefined ? undefined : setTimeout(() => bot.child.kill('SIGUSR1'), options.heapSnapshotAtMs);
		const outcomes = await Promise.allSettled(interactions.map((interaction) => waitForFinished(bot, interaction.id, options.timeoutMs)));
		const wallSeconds = (performance.now() - startedAt) / 1_000;
		clearTimeout(snapshot);
		loop.disable();

		const after = { bot: await diagnostics(bot), cpu: cpuSecondsOf(pid), machine: machineTicks(), fakesCpu: process.cpuUsage(before.fakesCpu) };
		const memory = memoryOf(pid);
		const botWarnings: Record<string, number> = {};
		for (const line of bot.lines) {
			const warning = /"level":"(?:warn|error)","msg":"([^"]*)"/.exec(line)?.[1];
			if (!warning) continue;
			// The first line of each kind, whole, to start an investigation from.
			if (botWarnings[warning] === undefined) options.log(`    bot: ${line.slice(0, 1_500)}`);
			botWarnings[warning] = (botWarnings[warning] ?? 0) + 1;
		}
		const samples = generations.map((generation, index) =>
			sample(discord, convai, generation, interactions[index]!, settled(outcomes[index]!)),
		);
		const metrics = summarize(
			samples,
			{
				concurrency,
				renderer,
				editIntervalMs,
				wallSeconds,
				botWarnings,
				bot: {
					cpuSecondsPer100: ((after.cpu - before.cpu) / concurrency) * 100,
					peakRssMB: memory.peakRssBytes / 2 ** 20,
					eventLoopDelayP99Ms: after.bot.eventLoopDelayP99Ms,
				},
				fakes: {
					fakesCpuCores: (after.fakesCpu.user + after.fakesCpu.system) / 1e6 / wallSeconds,
					fakesLoopDelayP99Ms: loop.percentile(99) / 1e6,
					machineBusy: (after.machine.busy - before.machine.busy) / Math.max(1, after.machine.total - before.machine.total),
				},
			},
			discord,
		);
		if (!options.entry) for (const problem of metrics.problems) options.log(`    not exact: ${problem}`);
		options.log(
			`  ${options.entry ? 'floor' : renderer} x${concurrency}: ${wallSeconds.toFixed(1)} s, ${metrics.unfinished} unfinished, ${metrics.mismatches} mismatches, ` +
				`${discord.requests.length} Discord requests, ${convai.connectionsOpened()} upstream sockets`,
		);
		return metrics;
	} finally {
		current = undefined;
		await harness.close();
	}
}

const settled = <T>(outcome: PromiseSettledResult<T>): T | undefined => (outcome.status === 'fulfilled' ? outcome.value : undefined);
