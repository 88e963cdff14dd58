import { describe, expect, it } from 'vitest';
import { createLogger } from '../../src/ops/log.js';

function capture() {
	const lines: string[] = [];
	const log = createLogger({ level: 'debug', secrets: ['sekret-token'], write: (line) => lines.push(line) });
	return { lines, log, parsed: () => lines.map((line) => JSON.parse(line) as Record<string, unknown>) };
}

describe('createLogger never throws', () => {
	it('writes an error with circular fields as one JSON line', () => {
		const { log, parsed } = capture();
		const error = new Error('boom') as Error & { request?: unknown };
		const request: Record<string, unknown> = { url: '/x' };
		request['self'] = request;
		error.request = request;
		const context: Record<string, unknown> = { id: 1 };
		context['parent'] = context;
		expect(() => log.error('request failed', { error, context })).not.toThrow();
		expect(parsed()).toMatchObject([{ level: 'error', msg: 'request failed', error: { name: 'Error', message: 'boom' }, context: { id: 1, parent: '[Circular]' } }]);
	});

	it('writes BigInt fields (JSON.stringify throws on them)', () => {
		const { log, lines } = capture();
		expect(() => log.warn('permissions', { bits: 1n << 40n, nested: { big: 12n } })).not.toThrow();
		expect(lines[0]).toContain('"bits":1099511627776');
		expect(lines[0]).toContain('"big":12');
	});

	it('survives a cause loop and a throwing getter, keeping the message', () => {
		const { log, parsed } = capture();
		const first = new Error('first');
		const second = new Error('second', { cause: first });
		(first as { cause?: unknown }).cause = second;
		log.error('looped', { error: first });
		const hostile = { get value(): never { throw new Error('getter exploded'); } };
		log.error('hostile', { hostile });
		const [looped, withGetter] = parsed();
		expect(looped).toMatchObject({ msg: 'looped', error: { message: 'first', cause: { message: 'second' } } });
		expect(withGetter).toMatchObject({ msg: 'hostile', logError: 'fields could not be serialized: getter exploded' });
	});

	it('swallows a failing write (stdout gone)', () => {
		const log = createLogger({ level: 'info', secrets: [], write: () => { throw new Error('EPIPE'); } });
		expect(() => log.info('hello')).not.toThrow();
	});

	it('keeps interaction tokens in webhook and callback URLs out of the line', () => {
		const { log, lines } = capture();
		const token = 'aW50ZXJhY3Rpb246MTIzNDU2Nzg5MDEyMzQ1Njc4OmFiY2RlZg';
		log.warn('write failed', { url: `https://discord.com/api/v10/webhooks/1300000000000000000/${token}/messages/@original`, callback: `/interactions/1400000000000000000/${token}/callback` });
		expect(lines[0]).not.toContain(token);
		expect(lines[0]).toContain('/webhooks/1300000000000000000/[redacted]/messages/@original');
	});
});
