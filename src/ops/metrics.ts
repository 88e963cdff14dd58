import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from 'prom-client';

/**
 * Every Prometheus metric the bot exposes, in one registry, so a sharded deployment can gather each
 * process's `registry.getMetricsAsJSON()` and merge them with prom-client's AggregatorRegistry.
 * Labels never carry ids, names or tokens: only the small fixed sets below.
 */

export const GENERATION_OUTCOMES = ['complete', 'stopped', 'failed', 'interrupted', 'lost', 'refused'] as const;
export type GenerationOutcome = (typeof GENERATION_OUTCOMES)[number];

export const DISCORD_WRITE_KINDS = ['create', 'edit'] as const;
export type DiscordWriteKind = (typeof DISCORD_WRITE_KINDS)[number];
export const DISCORD_WRITE_RESULTS = ['ok', 'rate_limited', 'error'] as const;
export type DiscordWriteResult = (typeof DISCORD_WRITE_RESULTS)[number];

/** What the Discord adapter needs to count its writes, without depending on prom-client. */
export interface DiscordWriteRecorder {
	discordWrite(kind: DiscordWriteKind, result: DiscordWriteResult): void;
}

export interface BotMetrics extends DiscordWriteRecorder {
	readonly registry: Registry;
	readonly generations: Counter<'outcome'>;
	readonly inFlight: Gauge;
	readonly upstreamFirstEvent: Histogram;
	readonly finalTextLag: Histogram;
	readonly discordWrites: Counter<'kind' | 'result'>;
	readonly storeErrors: Counter;
	generation(outcome: GenerationOutcome): void;
	storeError(): void;
}

export interface MetricsOptions {
	/** prom-client's process metrics (CPU, memory, event loop, handles); off in unit tests. */
	processMetrics?: boolean;
	/** The current slow-down of ordinary story edits (ops/loop-load.ts), read at each scrape. */
	paceFactor?: () => number;
}

export function createMetrics(options: MetricsOptions = {}): BotMetrics {
	const registry = new Registry();
	if (options.processMetrics ?? true) collectDefaultMetrics({ register: registry });
	const registers = [registry];

	const generations = new Counter({
		name: 'backstory_generations_total',
		help: 'Generations by how they ended: complete, stopped (Stop button), failed, interrupted (restart), lost (reply deleted or expired), refused (fair use).',
		labelNames: ['outcome'] as const,
		registers,
	});
	const inFlight = new Gauge({ name: 'backstory_generations_in_flight', help: 'Generations running in this process now.', registers });
	const upstreamFirstEvent = new Histogram({
		name: 'backstory_upstream_first_event_seconds',
		help: "Seconds from receiving the command to Convai's first event (runs Convai answered with text only).",
		buckets: [0.1, 0.25, 0.5, 1, 2, 3, 5, 10, 30],
		registers,
	});
	const finalTextLag = new Histogram({
		name: 'backstory_final_text_lag_seconds',
		help: "Seconds from Convai's end of the stream to the final text written in Discord (runs Convai finished, delivered).",
		buckets: [0.05, 0.1, 0.25, 0.5, 1, 1.5, 2, 5, 10],
		registers,
	});
	const discordWrites = new Counter({
		name: 'backstory_discord_writes_total',
		help: 'Writes to story messages: kind create (a follow-up) or edit (any change to an existing message); result ok, rate_limited (held back by a Discord rate limit, then retried) or error.',
		labelNames: ['kind', 'result'] as const,
		registers,
	});
	const storeErrors = new Counter({
		name: 'backstory_store_errors_total',
		help: 'Store calls that failed or timed out (roster, settings, cooldowns, prompts, run journal).',
		registers,
	});

	const paceFactor = options.paceFactor;
	if (paceFactor) {
		new Gauge({
			name: 'backstory_edit_pace_factor',
			help: 'How much ordinary story edits are slowed because the process is saturated: 1 = every EDIT_INTERVAL_MS, up to 3. Across shards, the largest.',
			aggregator: 'max',
			registers,
			collect() {
				this.set(paceFactor());
			},
		});
	}

	// Every series exists from the start at 0, so dashboards and rate() see a zero, not a gap.
	for (const outcome of GENERATION_OUTCOMES) generations.inc({ outcome }, 0);
	for (const kind of DISCORD_WRITE_KINDS) for (const result of DISCORD_WRITE_RESULTS) discordWrites.inc({ kind, result }, 0);

	return {
		registry,
		generations,
		inFlight,
		upstreamFirstEvent,
		finalTextLag,
		discordWrites,
		storeErrors,
		generation: (outcome) => generations.inc({ outcome }),
		discordWrite: (kind, result) => discordWrites.inc({ kind, result }),
		storeError: () => storeErrors.inc(),
	};
}
