import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { createServer } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { faults, proseEvents, sseScript } from '../support/fake-convai.js';
import type { FakeMessage, RecordedRequest } from '../support/fake-discord/index.js';
import { startBot } from '../support/bot-process.js';
import { startHarness, writesToFirstMessage, type Harness } from '../support/harness.js';

const user = (n: number) => ({ id: `12000000000000000${20 + n}`, username: `user${n}`, globalName: `User ${n}` });

async function opsUrl(harness: Harness): Promise<string> {
	const line = await harness.bot.waitForLog((entry) => entry['msg'] === 'operator endpoints listening');
	return `http://127.0.0.1:${String(line['port'])}`;
}

async function get(url: string): Promise<{ status: number; body: string; type: string | null }> {
	const response = await fetch(url);
	return { status: response.status, body: await response.text(), type: response.headers.get('content-type') };
}

/** The value of one series in the Prometheus text format; undefined when absent. */
function sample(metrics: string, series: string): number | undefined {
	const line = metrics.split('\n').find((candidate) => candidate.startsWith(`${series} `));
	return line === undefined ? undefined : Number(line.slice(series.length + 1));
}

function buttonsOn(message: FakeMessage | undefined): Array<{ custom_id: string; label: string }> {
	return ((message?.components ?? []) as Array<{ components: Array<{ custom_id: string; label: string }> }>).flatMap((row) => row.components);
}

/** What the fake Discord saw of story writes: webhook message edits and follow-ups, by answer. */
function discordWritesSeen(requests: RecordedRequest[]) {
	const count = (kind: 'create' | 'edit', ok: (status: number) => boolean) =>
		requests.filter((request) => {
			const isEdit = request.method === 'PATCH' && /^\/webhooks\/\d+\/[^/]+\/messages\/[^/]+$/.test(request.path);
			const isCreate = request.method === 'POST' && /^\/webhooks\/\d+\/[^/]+$/.test(request.path);
			return (kind === 'edit' ? isEdit : isCreate) && ok(request.status);
		}).length;
	return {
		editOk: count('edit', (status) => status >= 200 && status < 300),
		createOk: count('create', (status) => status >= 200 && status < 300),
		editLimited: count('edit', (status) => status === 429),
		createLimited: count('create', (status) => status === 429),
	};
}

describe('operator endpoints end to end', () => {
	let harness: Harness | undefined;
	let redis: ChildProcess | undefined;
	afterEach(async () => {
		await harness?.close();
		harness = undefined;
		await stopRedis(redis);
		redis = undefined;
	});

	it('stops with one clear configuration line for STORE_URL=sqlite:// (no path) and a bad METRICS_PORT', async () => {
		const bot = startBot({ STORE_URL: 'sqlite://', METRICS_PORT: 'http' });
		expect(await bot.exited).toBe(1);
		expect(bot.lines).toEqual([
			'Configuration error: STORE_URL is invalid: expected sqlite://path/to/file.sqlite (a file path is required), redis://host:port or memory://.',
			'Configuration error: METRICS_PORT is invalid: expected a TCP port (0: any free port, logged), a whole number from 0 to 65535 (leave it empty to turn it off).',
		]);
	});

	it('stops with its own line when METRICS_PORT is already taken', async () => {
		const taken = createServer();
		await new Promise<void>((resolve) => taken.listen(0, '127.0.0.1', resolve));
		try {
			const port = (taken.address() as { port: number }).port;
			const bot = startBot({ METRICS_PORT: String(port) });
			expect(await bot.exited).toBe(1);
			const entry = bot.logs().find((line) => line['level'] === 'error');
			expect(entry?.['msg']).toBe(`could not listen on METRICS_HOST:METRICS_PORT (127.0.0.1:${port})`);
			expect(JSON.stringify(entry)).toContain('EADDRINUSE');
		} finally {
			await new Promise((resolve) => taken.close(resolve));
		}
	});

	it('/metrics counts exactly a known mix of complete, stopped, failed and refused runs', async () => {
		harness = await startHarness({ env: { METRICS_PORT: '0', COOLDOWN_SECONDS: '600' } });
		const { discord } = harness;
		const base = await opsUrl(harness);

		const short = proseEvents({ seed: 31, minChars: 2_500, maxChars: 2_800 });
		harness.scriptFor('Whole', sseScript(short.events, { delayMs: 5, chunkSize: 200 }));
		harness.scriptFor('Broken', faults.htmlPage(503));
		const slow = proseEvents({ seed: 32, minChars: 3_000, maxChars: 3_300 });
		harness.scriptFor('Halted', sseScript(slow.events, { delayMs: 60, chunkSize: 40 }));

		expect((await harness.backstory('Whole', 'One.', { user: user(1) })).id).toBeTruthy();
		await harness.backstory('Whole', 'Two.', { user: user(2) });
		const failed = await harness.backstory('Broken', 'Three.', { user: user(3) });
		expect((await harness.finished(failed))['outcome']).not.toBe('complete');

		const halted = harness.startBackstory('Halted', 'Four.', { user: user(4) });
		await discord.waitFor(() => writesToFirstMessage(discord, halted) >= 2, 10_000);
		const message = discord.messagesOf(halted.id).at(-1)!;
		const stop = buttonsOn(message).find((button) => button.label === 'Stop')!;
		discord.sendComponent({ customId: stop.custom_id, messageId: message.id, user: user(4) });
		await harness.finished(halted);

		// The same user again within the cooldown: refused, no Convai call.
		const refused = harness.startBackstory('Whole', 'Five.', { user: user(1) });
		await harness.bot.waitForLog((entry) => entry['msg'] === 'generation refused' && entry['interactionId'] === refused.id);

		const { status, body, type } = await get(`${base}/metrics`);
		expect(status).toBe(200);
		expect(type).toMatch(/^text\/plain; version=0\.0\.4/);
		const outcomes = { complete: 2, stopped: 1, failed: 1, refused: 1, interrupted: 0, lost: 0 };
		for (const [outcome, count] of Object.entries(outcomes)) {
			expect(sample(body, `backstory_generations_total{outcome="${outcome}"}`), outcome).toBe(count);
		}
		expect(sample(body, 'backstory_generations_in_flight')).toBe(0);
		// First events: the two complete runs and the stopped one; Convai's 503 never sent one.
		expect(sample(body, 'backstory_upstream_first_event_seconds_count')).toBe(3);
		// Final-text lag: only where Convai finished and the text was delivered (the two complete runs).
		expect(sample(body, 'backstory_final_text_lag_seconds_count')).toBe(2);
		const seen = discordWritesSeen(discord.requests);
		expect(seen.editOk + seen.createOk).toBeGreaterThan(4);
		expect(sample(body, 'backstory_discord_writes_total{kind="edit",result="ok"}')).toBe(seen.editOk);
		expect(sample(body, 'backstory_discord_writes_total{kind="create",result="ok"}')).toBe(seen.createOk);
		expect(sample(body, 'backstory_discord_writes_total{kind="edit",result="rate_limited"}')).toBe(seen.editLimited);
		expect(sample(body, 'backstory_discord_writes_total{kind="create",result="rate_limited"}')).toBe(seen.createLimited);
		expect(sample(body, 'backstory_discord_writes_total{kind="edit",result="error"}')).toBe(0);
		expect(sample(body, 'backstory_store_errors_total')).toBe(0);
		// prom-client's default process metrics are there too.
		expect(sample(body, 'process_resident_memory_bytes')).toBeGreaterThan(0);
		// No ids, names or tokens in any label.
		for (const interaction of [failed, halted, refused]) {
			expect(body).not.toContain(interaction.id);
			expect(body).not.toContain(interaction.token);
		}
		expect(body).not.toMatch(/Whole|Broken|Halted/);

		expect((await get(`${base}/nope`)).status).toBe(404);
		expect((await fetch(`${base}/metrics`, { method: 'POST' })).status).toBe(404);
	});

	const hasRedis = spawnSync('redis-server', ['--version']).status === 0;
	it.skipIf(!hasRedis)('/healthz is 200 when ready, 503 naming the store while Redis is down, 200 again once it is back', async () => {
		const port = await freePort();
		redis = await startRedis(port);
		harness = await startHarness({ env: { METRICS_PORT: '0', STORE_URL: `redis://127.0.0.1:${port}` } });
		const base = await opsUrl(harness);

		const healthy = await get(`${base}/healthz`);
		expect(healthy.status).toBe(200);
		expect(JSON.parse(healthy.body)).toEqual({ status: 'ok', gateway: 'ready', store: 'ok' });

		await stopRedis(redis);
		redis = undefined;
		const startedAt = Date.now();
		const down = await get(`${base}/healthz`);
		// The store ping is bounded: the answer comes within about a second, not a hang.
		expect(Date.now() - startedAt).toBeLessThan(2_500);
		expect(down.status).toBe(503);
		expect(JSON.parse(down.body)).toEqual({ status: 'unavailable', gateway: 'ready', store: 'unavailable' });

		redis = await startRedis(port);
		await waitUntil(async () => (await get(`${base}/healthz`)).status === 200, 15_000);
		expect(JSON.parse((await get(`${base}/healthz`)).body)).toEqual({ status: 'ok', gateway: 'ready', store: 'ok' });
		const metrics = (await get(`${base}/metrics`)).body;
		expect(sample(metrics, 'backstory_store_errors_total')).toBeGreaterThan(0);
	});
});

async function freePort(): Promise<number> {
	const server = createServer();
	await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
	const { port } = server.address() as { port: number };
	await new Promise((resolve) => server.close(resolve));
	return port;
}

async function startRedis(port: number): Promise<ChildProcess> {
	const child = spawn('redis-server', ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'], { stdio: 'pipe' });
	await new Promise<void>((resolve, reject) => {
		let output = '';
		child.stdout!.on('data', (chunk: Buffer) => {
			output += chunk.toString();
			if (output.includes('Ready to accept connections')) resolve();
		});
		child.once('exit', (code) => reject(new Error(`redis-server exited with ${code}: ${output}`)));
	});
	return child;
}

async function stopRedis(child: ChildProcess | undefined): Promise<void> {
	if (!child || child.exitCode !== null || child.signalCode !== null) return;
	const exited = new Promise((resolve) => child.once('exit', resolve));
	child.kill('SIGKILL');
	await exited;
}

async function waitUntil(check: () => Promise<boolean>, timeoutMs: number): Promise<void> {
	const deadline = Date.now() + timeoutMs;
	while (Date.now() < deadline) {
		if (await check()) return;
		await new Promise((resolve) => setTimeout(resolve, 200));
	}
	throw new Error(`condition not met within ${timeoutMs} ms`);
}
