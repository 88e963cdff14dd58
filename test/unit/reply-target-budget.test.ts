import { REST, RESTEvents } from 'discord.js';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { createReplyTarget } from '../../src/discord/reply-target.js';
import { createStreamRenderer } from '../../src/render/stream-renderer.js';

/**
 * The join of the Discord adapter and the renderer's write budget: what discord.js's REST client reports
 * for one interaction token (X-RateLimit-* headers on 'response', waits on 'rateLimited') reaches that
 * reply's renderer, and no other reply's.
 */
function fakeInteraction(rest: REST, token: string) {
	const writes: number[] = [];
	const interaction = {
		client: { rest },
		token,
		editReply: vi.fn(async () => {
			writes.push(Date.now());
			return { id: `m-${token}` };
		}),
		followUp: vi.fn(async () => ({ id: `f-${token}` })),
	};
	return { interaction: interaction as never, writes };
}

function respond(rest: REST, token: string, headers: Record<string, string>, status = 200): void {
	const request = { method: 'PATCH', path: `/webhooks/1100000000000000000/${token}/messages/@original`, route: '', options: {}, data: {}, retries: 0 };
	rest.emit(RESTEvents.Response, request as never, { status, headers: new Headers(headers) } as never);
}

describe('reply target rate-limit feedback', () => {
	beforeEach(() => {
		vi.useFakeTimers({ now: 0 });
	});
	afterEach(() => {
		vi.useRealTimers();
	});

	it("holds the final write while Discord says this reply's bucket is empty", async () => {
		const rest = new REST();
		const mine = fakeInteraction(rest, 'token-a');
		const other = fakeInteraction(rest, 'token-b');
		const renderer = createStreamRenderer(createReplyTarget(mine.interaction, { ephemeral: false }), { writingLine: 'writing…', intervalMs: 1_200 });
		const bystander = createStreamRenderer(createReplyTarget(other.interaction, { ephemeral: false }), { writingLine: 'writing…', intervalMs: 1_200 });
		renderer.append('Once ');
		bystander.append('Elsewhere ');
		await vi.advanceTimersByTimeAsync(10);
		respond(rest, 'token-a', { 'x-ratelimit-limit': '5', 'x-ratelimit-remaining': '0', 'x-ratelimit-reset-after': '1.500' });

		renderer.append('upon a time.');
		bystander.append('the end.');
		const finished = renderer.finish({ complete: true });
		const bystanderFinished = bystander.finish({ complete: true });
		await vi.advanceTimersByTimeAsync(100);
		// The other reply's bucket is untouched: its final write goes at once.
		expect(other.writes).toEqual([0, 10]);
		expect(mine.writes).toEqual([0]);
		await vi.advanceTimersByTimeAsync(2_000);
		await Promise.all([finished, bystanderFinished]);
		expect(mine.writes).toEqual([0, 1_510]);
	});

	it('waits out a 429 that discord.js reports for this reply', async () => {
		const rest = new REST();
		const mine = fakeInteraction(rest, 'token-c');
		const renderer = createStreamRenderer(createReplyTarget(mine.interaction, { ephemeral: false }), { writingLine: 'writing…', intervalMs: 1_200 });
		renderer.append('Once ');
		await vi.advanceTimersByTimeAsync(10);
		rest.emit(RESTEvents.RateLimited, {
			global: false,
			method: 'PATCH',
			url: '',
			route: '/webhooks/:id/:token/messages/:id',
			majorParameter: '1100000000000000000/token-c',
			hash: 'h',
			limit: 5,
			timeToReset: 3_000,
			retryAfter: 3_000,
			sublimitTimeout: 0,
			scope: 'user',
		});
		const finished = renderer.finish({ complete: true });
		await vi.advanceTimersByTimeAsync(2_900);
		expect(mine.writes).toEqual([0]);
		await vi.advanceTimersByTimeAsync(200);
		await finished;
		expect(mine.writes).toEqual([0, 3_010]);
	});
});
