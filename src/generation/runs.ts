/**
 * The generations running in this process. Shutdown (and later the Stop button) ends them through
 * their AbortSignal; the reason carries the notice the user will read.
 */

import { english, type Text } from '../i18n/text.js';

/**
 * An abort reason meant to be shown at the end of the partial text. The notice is a catalogue text:
 * the generation puts it into the channel's language (it concerns everyone who reads the story).
 */
export class RunCancelledError extends Error {
	public override readonly name = 'RunCancelledError';
	public constructor(public readonly notice: Text) {
		super(english(notice));
	}
}

export interface Run {
	readonly id: string;
	readonly signal: AbortSignal;
	/** Marks the run finished (its messages are final). Safe to call twice. */
	end(): void;
}

export interface RunRegistry {
	start(id: string): Run;
	get(id: string): Run | undefined;
	readonly size: number;
	/** Aborts one run with the given notice; false when it is not running (here). */
	cancel(id: string, notice: Text): boolean;
	/** Aborts every run with the given notice. */
	cancelAll(notice: Text): void;
	/** Resolves when no run is left or the timeout passes; true when all ended. */
	waitForIdle(timeoutMs: number): Promise<boolean>;
}

export function createRunRegistry(): RunRegistry {
	const runs = new Map<string, { run: Run; controller: AbortController }>();
	const idleWaiters = new Set<() => void>();

	const notifyIfIdle = (): void => {
		if (runs.size > 0) return;
		for (const wake of idleWaiters) wake();
		idleWaiters.clear();
	};

	return {
		start(id) {
			const controller = new AbortController();
			const run: Run = {
				id,
				signal: controller.signal,
				end: () => {
					if (runs.get(id)?.run !== run) return;
					runs.delete(id);
					notifyIfIdle();
				},
			};
			runs.set(id, { run, controller });
			return run;
		},
		get: (id) => runs.get(id)?.run,
		get size() {
			return runs.size;
		},
		cancel(id, notice) {
			const entry = runs.get(id);
			if (!entry || entry.controller.signal.aborted) return false;
			entry.controller.abort(new RunCancelledError(notice));
			return true;
		},
		cancelAll(notice) {
			for (const { controller } of runs.values()) controller.abort(new RunCancelledError(notice));
		},
		waitForIdle(timeoutMs) {
			if (runs.size === 0) return Promise.resolve(true);
			return new Promise((resolve) => {
				const timer = setTimeout(() => {
					idleWaiters.delete(wake);
					resolve(false);
				}, timeoutMs);
				const wake = (): void => {
					clearTimeout(timer);
					resolve(true);
				};
				idleWaiters.add(wake);
			});
		},
	};
}
