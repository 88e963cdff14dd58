import type { Logger } from './log.js';

/** Process managers send SIGKILL after about 10 s; exit on our own terms before that. */
export const HARD_EXIT_MS = 9_500;

/** The parts of `process` the handlers use, so tests can drive them with an EventEmitter. */
export interface ProcessLike {
	on(event: 'SIGINT' | 'SIGTERM' | 'uncaughtException' | 'unhandledRejection', listener: (value: unknown) => void): unknown;
	exit(code: number): never | void;
}

export interface Stoppable {
	/** Ends every running story with a notice and closes connections. */
	shutdown(): Promise<void>;
}

/**
 * SIGINT/SIGTERM stop gracefully (exit 0). An uncaught exception leaves Node in an unknown state
 * (Node's docs: do not keep serving), so it is logged, the running stories are ended as on SIGTERM,
 * and the process exits 1 for the supervisor to restart it; the run journal repairs what this misses.
 * A rejected promise nobody awaited is logged and the bot keeps serving.
 */
export function installProcessHandlers(target: ProcessLike, bot: Stoppable, log: Logger, onStopped: () => void = () => undefined): void {
	let stopping = false;
	const stop = (exitCode: number): void => {
		if (stopping) return;
		stopping = true;
		setTimeout(() => target.exit(exitCode), HARD_EXIT_MS).unref();
		bot.shutdown().then(
			() => {
				onStopped();
				target.exit(exitCode);
			},
			(error: unknown) => {
				log.error('shutdown failed', { error });
				target.exit(exitCode);
			},
		);
	};
	target.on('unhandledRejection', (reason) => log.error('unhandled promise rejection', { error: reason }));
	target.on('uncaughtException', (error) => {
		log.error('uncaught exception; ending running stories and exiting', { error });
		stop(1);
	});
	for (const signal of ['SIGINT', 'SIGTERM'] as const) {
		target.on(signal, () => {
			if (!stopping) log.info('received signal', { signal });
			stop(0);
		});
	}
}
