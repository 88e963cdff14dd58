import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
export const BOT_ENTRY = join(ROOT, 'dist/src/index.js');
/** `npm run deploy-commands` without its build step. */
export const DEPLOY_ENTRY = join(ROOT, 'dist/src/deploy-commands.js');
/** The Node flags of `npm start` (the heap cap), so every test and the bench run the bot as it runs in production. */
export const BOT_NODE_FLAGS = nodeFlagsOfStartScript();
export const FAKE_TOKEN = 'fake-discord-token.abcdefghijklmnop';
export const FAKE_CONVAI_KEY = 'fake-convai-key-1234567890';

export function makeBotFolder(): string {
	return mkdtempSync(join(tmpdir(), 'backstory-bot-'));
}

export interface BotProcess {
	readonly child: ChildProcess;
	/** Every line the bot printed (stdout and stderr), in order. */
	readonly lines: string[];
	/** JSON log entries parsed from stdout. */
	logs(): Array<Record<string, unknown>>;
	waitForLog(predicate: (entry: Record<string, unknown>) => boolean, timeoutMs?: number): Promise<Record<string, unknown>>;
	/** Sends a signal and resolves with the exit code once the process is gone. */
	stop(signal?: NodeJS.Signals): Promise<number | null>;
	readonly exited: Promise<number | null>;
}

/**
 * Starts the compiled bot the way `npm start` does (node, its flags, dist/src/index.js) with the given
 * environment only, in an empty working directory so a developer's own .env never leaks in.
 */
export function startBot(env: Record<string, string>, options: { cwd?: string; entry?: string } = {}): BotProcess {
	// A bot restarted in the same folder finds its SQLite store again, as in production.
	const cwd = options.cwd ?? makeBotFolder();
	const entry = options.entry ?? BOT_ENTRY;
	const child = spawn(process.execPath, [...(entry === BOT_ENTRY ? BOT_NODE_FLAGS : []), entry], {
		cwd,
		env: { PATH: process.env.PATH ?? '', DISCORD_TOKEN: FAKE_TOKEN, CONVAI_API_KEY: FAKE_CONVAI_KEY, LOG_LEVEL: 'debug', ...env },
		stdio: ['ignore', 'pipe', 'pipe'],
	});
	const lines: string[] = [];
	const listeners = new Set<() => void>();
	const collect = (stream: NodeJS.ReadableStream) => {
		let buffer = '';
		stream.setEncoding('utf8');
		stream.on('data', (chunk: string) => {
			buffer += chunk;
			const parts = buffer.split('\n');
			buffer = parts.pop() ?? '';
			lines.push(...parts.filter((line) => line !== ''));
			for (const listener of listeners) listener();
		});
	};
	collect(child.stdout!);
	collect(child.stderr!);
	const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));

	const logs = () =>
		lines.flatMap((line) => {
			try {
				return [JSON.parse(line) as Record<string, unknown>];
			} catch {
				return [];
			}
		});

	return {
		child,
		lines,
		logs,
		exited,
		waitForLog(predicate, timeoutMs = 10_000) {
			return new Promise((resolve, reject) => {
				const check = () => {
					const found = logs().find(predicate);
					if (!found) return;
					cleanup();
					resolve(found);
				};
				const timer = setTimeout(() => {
					cleanup();
					reject(new Error(`log line not seen within ${timeoutMs} ms; output:\n${lines.slice(-30).join('\n')}`));
				}, timeoutMs);
				const cleanup = () => {
					clearTimeout(timer);
					listeners.delete(check);
				};
				listeners.add(check);
				check();
			});
		},
		async stop(signal = 'SIGTERM') {
			if (child.exitCode === null && child.signalCode === null) child.kill(signal);
			const timer = setTimeout(() => child.kill('SIGKILL'), 15_000);
			try {
				return await exited;
			} finally {
				clearTimeout(timer);
			}
		},
	};
}

function nodeFlagsOfStartScript(): string[] {
	const { scripts } = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { scripts: Record<string, string> };
	const start = /^node((?:\s+--\S+)*)\s+dist\/src\/index\.js$/.exec(scripts['start'] ?? '');
	if (!start) throw new Error(`package.json's start script is not "node [--flags] dist/src/index.js": ${scripts['start']}`);
	return start[1]!.trim().split(/\s+/).filter((flag) => flag !== '');
}
