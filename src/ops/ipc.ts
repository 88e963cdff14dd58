import type { MetricObjectWithValues, MetricValue, Registry } from 'prom-client';
import type { Logger } from './log.js';
import { checkHealth, type Health, type HealthSources } from './http.js';

/**
 * How a shard process answers the manager's /metrics and /healthz: over the IPC channel that
 * discord.js's ShardingManager already keeps to each shard, never over a port of its own.
 */
export const OPS_REQUEST = 'backstory:ops-request';
export const OPS_REPLY = 'backstory:ops-reply';

export interface OpsRequest {
	type: typeof OPS_REQUEST;
	requestId: number;
}

export interface OpsReply {
	type: typeof OPS_REPLY;
	requestId: number;
	metrics: MetricObjectWithValues<MetricValue<string>>[];
	health: Health;
}

export function isOpsRequest(message: unknown): message is OpsRequest {
	return typeof message === 'object' && message !== null && (message as { type?: unknown }).type === OPS_REQUEST;
}

export function isOpsReply(message: unknown): message is OpsReply {
	return typeof message === 'object' && message !== null && (message as { type?: unknown }).type === OPS_REPLY;
}

/** In a shard process: answers every ops request from the manager. Returns the function that stops it. */
export function answerOpsRequests(registry: Registry, health: HealthSources, log: Logger): () => void {
	const onMessage = (message: unknown): void => {
		if (!isOpsRequest(message) || !process.send) return;
		Promise.all([registry.getMetricsAsJSON(), checkHealth(health)])
			.then(([metrics, status]) => {
				const reply: OpsReply = { type: OPS_REPLY, requestId: message.requestId, metrics, health: status };
				process.send?.(reply);
			})
			.catch((error: unknown) => log.warn('could not answer the manager about metrics and health', { error }));
	};
	process.on('message', onMessage);
	return () => process.off('message', onMessage);
}
