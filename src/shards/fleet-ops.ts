import type { Shard } from 'discord.js';
import { AggregatorRegistry, type MetricObjectWithValues, type MetricValue } from 'prom-client';
import { OPS_REQUEST, isOpsReply, type OpsReply, type OpsRequest } from '../ops/ipc.js';
import type { HealthReport, MetricsSource } from '../ops/http.js';
import type { ShardFleet } from './manager.js';

/** A shard that has not answered by then is reported down; the whole answer stays inside a scrape's timeout. */
const SHARD_ANSWER_TIMEOUT_MS = 2_000;

export interface ShardHealth {
	shard: number;
	status: 'ok' | 'unavailable' | 'down';
	gateway?: string;
	store?: string;
}

/**
 * The manager's /metrics and /healthz for the whole bot: every shard is asked over IPC; counters
 * and gauges are summed and histograms merged by prom-client's AggregatorRegistry, and /healthz is
 * 503 naming each shard that is down or unhealthy.
 */
export function fleetOpsSources(fleet: ShardFleet): { metrics: MetricsSource; health: () => Promise<HealthReport> } {
	let nextRequestId = 0;
	const ask = async (): Promise<Map<number, OpsReply>> => {
		const requestId = ++nextRequestId;
		const ids = [...Array(fleet.count).keys()];
		const replies = await Promise.all(ids.map((id) => askShard(fleet.manager.shards.get(id), requestId)));
		const answered = new Map<number, OpsReply>();
		replies.forEach((reply, id) => reply && answered.set(id, reply));
		return answered;
	};
	return {
		metrics: {
			contentType: AggregatorRegistry.PROMETHEUS_CONTENT_TYPE,
			async metrics() {
				const replies = await ask();
				const perShard: MetricObjectWithValues<MetricValue<string>>[][] = [...replies.values()].map((reply) => reply.metrics);
				return AggregatorRegistry.aggregate(perShard).metrics();
			},
		},
		async health() {
			const replies = await ask();
			const shards: ShardHealth[] = [...Array(fleet.count).keys()].map((shard) => {
				const reply = replies.get(shard);
				if (!reply || fleet.states().get(shard) !== 'ready') return { shard, status: 'down' };
				return { shard, status: reply.health.status, gateway: reply.health.gateway, store: reply.health.store };
			});
			const unhealthy = shards.filter((shard) => shard.status !== 'ok').map((shard) => shard.shard);
			const storeDown = shards.some((shard) => shard.store === 'unavailable');
			return {
				status: unhealthy.length === 0 ? 'ok' : 'unavailable',
				gateway: shards.every((shard) => shard.gateway === 'ready') ? 'ready' : 'not_ready',
				store: storeDown ? 'unavailable' : 'ok',
				down: unhealthy,
				shards,
			};
		},
	};
}

function askShard(shard: Shard | undefined, requestId: number): Promise<OpsReply | undefined> {
	const child = shard?.process;
	if (!shard || !child || child.exitCode !== null || child.signalCode !== null) return Promise.resolve(undefined);
	return new Promise((resolve) => {
		const done = (reply: OpsReply | undefined): void => {
			clearTimeout(timer);
			shard.off('message', onMessage);
			resolve(reply);
		};
		const onMessage = (message: unknown): void => {
			if (isOpsReply(message) && message.requestId === requestId) done(message);
		};
		const timer = setTimeout(() => done(undefined), SHARD_ANSWER_TIMEOUT_MS);
		shard.on('message', onMessage);
		const request: OpsRequest = { type: OPS_REQUEST, requestId };
		shard.send(request).catch(() => done(undefined));
	});
}
