import { afterEach, describe, expect, it } from 'vitest';
import { startOpsServer, type HealthSources, type OpsServer } from '../../src/ops/http.js';
import { createLogger } from '../../src/ops/log.js';
import { createMetrics } from '../../src/ops/metrics.js';

describe('operator endpoints', () => {
	let server: OpsServer | undefined;
	afterEach(async () => {
		await server?.close();
		server = undefined;
	});

	const start = async (health: HealthSources) => {
		const metrics = createMetrics({ processMetrics: false });
		server = await startOpsServer({ host: '127.0.0.1', port: 0, registry: metrics.registry, health, log: createLogger({ level: 'error', secrets: [], write: () => undefined }) });
		return { base: `http://127.0.0.1:${server.port}`, metrics };
	};

	it('answers 503 within about a second when the store ping hangs, naming the store', async () => {
		const { base } = await start({ gatewayReady: () => true, pingStore: () => new Promise(() => undefined) });
		const startedAt = Date.now();
		const response = await fetch(`${base}/healthz`);
		expect(Date.now() - startedAt).toBeLessThan(1_800);
		expect(response.status).toBe(503);
		expect(await response.json()).toEqual({ status: 'unavailable', gateway: 'ready', store: 'unavailable' });
	});

	it('answers 503 naming the gateway before it is ready', async () => {
		const { base } = await start({ gatewayReady: () => false, pingStore: async () => true });
		const response = await fetch(`${base}/healthz`);
		expect(response.status).toBe(503);
		expect(await response.json()).toEqual({ status: 'unavailable', gateway: 'not_ready', store: 'ok' });
	});

	it('serves the registry on /metrics and 404 for anything else', async () => {
		const { base, metrics } = await start({ gatewayReady: () => true, pingStore: async () => true });
		metrics.generation('complete');
		metrics.discordWrite('create', 'rate_limited');
		const body = await (await fetch(`${base}/metrics`)).text();
		expect(body).toContain('backstory_generations_total{outcome="complete"} 1');
		expect(body).toContain('backstory_generations_total{outcome="lost"} 0');
		expect(body).toContain('backstory_discord_writes_total{kind="create",result="rate_limited"} 1');
		expect((await fetch(`${base}/`)).status).toBe(404);
		expect((await fetch(`${base}/healthz`, { method: 'POST' })).status).toBe(404);
	});
});

describe('backstory_edit_pace_factor', () => {
	it('reads the current slow-down of story edits at each scrape', async () => {
		let factor = 1;
		const metrics = createMetrics({ processMetrics: false, paceFactor: () => factor });
		expect(await metrics.registry.metrics()).toContain('backstory_edit_pace_factor 1');
		factor = 2.5;
		expect(await metrics.registry.metrics()).toContain('backstory_edit_pace_factor 2.5');
	});
});
