import { afterEach, describe, expect, it } from 'vitest';
import { WebSocket } from 'ws';
import { startFakeDiscord, type FakeDiscord } from '../support/fake-discord/index.js';
import { guildOnShard } from '../support/shards.js';

/** Connects a raw gateway client, sends IDENTIFY with `shard`, and resolves with READY's data or the close code. */
async function identify(fake: FakeDiscord, shard: [number, number] | undefined): Promise<{ ready?: any; closeCode?: number; socket: WebSocket }> {
	const socket = new WebSocket(`${fake.gatewayUrl}/?v=10&encoding=json`);
	// Listen before the socket opens: HELLO can arrive in the same tick.
	return new Promise((resolve) => {
		socket.on('message', (raw) => {
			const payload = JSON.parse(raw.toString());
			if (payload.op === 10) socket.send(JSON.stringify({ op: 2, d: { token: 'x', intents: 0, properties: {}, ...(shard ? { shard } : {}) } }));
			if (payload.t === 'READY') resolve({ ready: payload.d, socket });
			if (payload.t === 'INTERACTION_CREATE') socket.emit('interaction', payload.d);
		});
		socket.on('close', (code) => resolve({ closeCode: code, socket }));
	});
}

describe('fake Discord with shards', () => {
	let fake: FakeDiscord | undefined;
	const sockets: WebSocket[] = [];
	afterEach(async () => {
		for (const socket of sockets) socket.terminate();
		await fake?.close();
	});

	it('recommends its shard count, closes 4011 without shard and 4010 with a wrong one', async () => {
		fake = await startFakeDiscord({ shards: 2 });
		const response = await fetch(`${fake.apiUrl}/v10/gateway/bot`, { headers: { Authorization: 'Bot x' } });
		expect(((await response.json()) as { shards: number }).shards).toBe(2);
		expect((await identify(fake, undefined)).closeCode).toBe(4011);
		expect((await identify(fake, [0, 3])).closeCode).toBe(4010);
		expect((await identify(fake, [2, 2])).closeCode).toBe(4010);
	});

	it("routes each server's interactions only to shard (guild_id >> 22) % num_shards", async () => {
		fake = await startFakeDiscord({ shards: 2 });
		const shards = await Promise.all([identify(fake, [0, 2]), identify(fake, [1, 2])]);
		sockets.push(...shards.map((s) => s.socket));
		expect(shards.map((s) => s.ready.shard)).toEqual([[0, 2], [1, 2]]);
		await fake.waitForShards();
		const seen: string[][] = [[], []];
		shards.forEach((s, i) => s.socket.on('interaction' as any, (d: any) => seen[i]!.push(d.guild_id)));
		const [zero, one] = [guildOnShard(0, 2), guildOnShard(1, 2)];
		fake.sendCommand({ name: 'x', guildId: zero });
		fake.sendCommand({ name: 'x', guildId: one });
		fake.sendCommand({ name: 'x', guildId: one });
		await new Promise((resolve) => setTimeout(resolve, 100));
		expect(seen).toEqual([[zero], [one, one]]);
	});
});
