import { EventEmitter } from 'node:events';
import { describe, expect, it } from 'vitest';
import { installProcessHandlers } from '../../src/ops/process-handlers.js';
import { createLogger } from '../../src/ops/log.js';
import { createRunRegistry, RunCancelledError, RunsClosedError } from '../../src/generation/runs.js';
import { english, text } from '../../src/i18n/text.js';

function fakeProcess() {
	const emitter = new EventEmitter();
	const exits: number[] = [];
	let exited: (code: number) => void = () => undefined;
	const exitedOnce = new Promise<number>((resolve) => (exited = resolve));
	const target = Object.assign(emitter, {
		exit(code: number) {
			exits.push(code);
			exited(code);
		},
	});
	return { target, exits, exitedOnce };
}

describe('process handlers', () => {
	it('after an uncaught exception: logs it, ends running stories as on SIGTERM, exits 1', async () => {
		const lines: string[] = [];
		const log = createLogger({ level: 'info', secrets: [], write: (line) => lines.push(line) });
		const runs = createRunRegistry();
		const run = runs.start('run-1');
		const { target, exitedOnce } = fakeProcess();
		installProcessHandlers(target, {
			async shutdown() {
				runs.cancelAll(text('notice.restarting'));
				run.end();
			},
		}, log);

		target.emit('uncaughtException', new Error('kaboom'));
		expect(await exitedOnce).toBe(1);
		expect(run.signal.reason).toBeInstanceOf(RunCancelledError);
		expect((run.signal.reason as RunCancelledError).kind).toBe('interrupted');
		expect(lines.map((line) => JSON.parse(line))).toMatchObject([{ level: 'error', msg: 'uncaught exception; ending running stories and exiting', error: { message: 'kaboom' } }]);
	});

	it('exits 0 after SIGTERM; a failure during that shutdown starts no second one', async () => {
		const log = createLogger({ level: 'error', secrets: [], write: () => undefined });
		const { target, exits, exitedOnce } = fakeProcess();
		let calls = 0;
		installProcessHandlers(target, { shutdown: async () => void (calls += 1) }, log);
		target.emit('SIGTERM');
		target.emit('uncaughtException', new Error('late'));
		expect(await exitedOnce).toBe(0);
		expect(calls).toBe(1);
		expect(exits).toEqual([0]);
	});

	it('keeps serving after an unhandled rejection (logged only)', () => {
		const lines: string[] = [];
		const log = createLogger({ level: 'info', secrets: [], write: (line) => lines.push(line) });
		const { target, exits } = fakeProcess();
		let calls = 0;
		installProcessHandlers(target, { shutdown: async () => void (calls += 1) }, log);
		target.emit('unhandledRejection', new Error('nobody awaited me'));
		expect(calls).toBe(0);
		expect(exits).toEqual([]);
		expect(lines).toHaveLength(1);
	});
});

describe('run registry at shutdown', () => {
	it('refuses runs that start after cancelAll, so none escapes the shutdown', () => {
		const runs = createRunRegistry();
		runs.cancelAll(text('notice.restarting'));
		expect(() => runs.start('late')).toThrow(RunsClosedError);
		expect(runs.size).toBe(0);
	});

	it('tells a Stop from a shutdown', () => {
		const runs = createRunRegistry();
		const stopped = runs.start('a');
		const interrupted = runs.start('b');
		runs.cancel('a', text('notice.stoppedBy', { who: 'Tester' }));
		runs.cancelAll(text('notice.restarting'));
		expect((stopped.signal.reason as RunCancelledError).kind).toBe('stopped');
		expect((interrupted.signal.reason as RunCancelledError).kind).toBe('interrupted');
	});
});

describe('a generation that starts after shutdown began', () => {
	it('is refused with the restarting answer before it takes a slot or defers', async () => {
		const { runGeneration } = await import('../../src/generation/generate.js');
		const { UserFacingError } = await import('../../src/interactions/errors.js');
		const runs = createRunRegistry();
		runs.cancelAll(text('notice.restarting'));
		let admitted = 0;
		const context = { runs, fairUse: { admit: async () => void (admitted += 1) } };
		const interaction = { id: '1400000000000000001', deferReply: async () => expect.fail('must not defer') };
		const attempt = runGeneration(interaction as never, { characterName: 'A', description: 'B', private: false }, context as never);
		await expect(attempt).rejects.toThrow(UserFacingError);
		await expect(attempt).rejects.toMatchObject({ text: { key: 'interaction.restarting' }, message: english(text('interaction.restarting')) });
		expect(admitted).toBe(0);
	});
});

describe('a /talk that starts after shutdown began', () => {
	it('gets the same restarting answer, before it looks anything up, takes a slot or defers', async () => {
		const { default: talk } = await import('../../commands/talk.js');
		const { UserFacingError } = await import('../../src/interactions/errors.js');
		const runs = createRunRegistry();
		runs.cancelAll(text('notice.restarting'));
		let touched = 0;
		const context = {
			runs,
			fairUse: { admit: async () => void (touched += 1) },
			stores: { characters: new Proxy({}, { get: () => () => void (touched += 1) }) },
		};
		const interaction = {
			id: '1400000000000000002',
			guildId: '1400000000000000003',
			user: { id: '1400000000000000004' },
			options: { getString: () => 'hello', getBoolean: () => null },
			deferReply: async () => expect.fail('must not defer'),
		};
		const attempt = talk.execute(interaction as never, context as never);
		await expect(attempt).rejects.toThrow(UserFacingError);
		await expect(attempt).rejects.toMatchObject({ text: { key: 'interaction.restarting' } });
		expect(touched).toBe(0);
		expect(runs.size).toBe(0);
	});
});
