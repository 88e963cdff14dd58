import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import type { BotProcess } from '../support/bot-process.js';

/** Linux reports CPU time in clock ticks; almost always 100 per second, but ask. */
const CLOCK_TICKS = (() => {
	try {
		return Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim()) || 100;
	} catch {
		return 100;
	}
})();

/** User + system CPU seconds a process has used so far (/proc/<pid>/stat fields 14 and 15). */
export function cpuSecondsOf(pid: number): number {
	const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
	// The command name (field 2) may contain spaces; the fields after its closing parenthesis do not.
	const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
	return (Number(fields[11]) + Number(fields[12])) / CLOCK_TICKS;
}

/** Peak (VmHWM) and current (VmRSS) resident memory of a process, in bytes. */
export function memoryOf(pid: number): { peakRssBytes: number; rssBytes: number } {
	const status = readFileSync(`/proc/${pid}/status`, 'utf8');
	const kib = (field: string) => Number(new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(status)?.[1] ?? NaN) * 1024;
	return { peakRssBytes: kib('VmHWM'), rssBytes: kib('VmRSS') };
}

/** Busy and total jiffies of the whole machine, to tell whether both cores were saturated. */
export function machineTicks(): { busy: number; total: number } {
	const cpu = readFileSync('/proc/stat', 'utf8').split('\n')[0]!.trim().split(/\s+/).slice(1).map(Number);
	const total = cpu.reduce((sum, value) => sum + value, 0);
	const idle = (cpu[3] ?? 0) + (cpu[4] ?? 0);
	return { busy: total - idle, total };
}

export interface Diagnostics {
	rssBytes: number;
	heapUsedBytes: number;
	cpuSeconds: number;
	eventLoopDelayP99Ms: number;
	eventLoopDelayMaxMs: number;
	resources: Record<string, number>;
}

/** Asks the bot for its diagnostics line (SIGUSR2) and waits for it. */
export async function diagnostics(bot: BotProcess, timeoutMs = 5_000): Promise<Diagnostics> {
	const isDiagnostics = (line: string) => line.includes('"msg":"diagnostics"');
	const seen = bot.lines.filter(isDiagnostics).length;
	bot.child.kill('SIGUSR2');
	const deadline = Date.now() + timeoutMs;
	for (;;) {
		const lines = bot.lines.filter(isDiagnostics);
		if (lines.length > seen) return JSON.parse(lines.at(-1)!) as Diagnostics;
		if (Date.now() > deadline) throw new Error('the bot logged no diagnostics after SIGUSR2');
		await new Promise((resolve) => setTimeout(resolve, 20));
	}
}

/** All open handles of every kind, summed, for a one-number comparison. */
export function handleCount(resources: Record<string, number>): number {
	return Object.values(resources).reduce((sum, value) => sum + value, 0);
}
