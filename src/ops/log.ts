import { configure } from 'safe-stable-stringify';
import type { LogLevel } from '../config/config.js';

export type LogFields = Record<string, unknown>;

export interface Logger {
	debug(message: string, fields?: LogFields): void;
	info(message: string, fields?: LogFields): void;
	warn(message: string, fields?: LogFields): void;
	error(message: string, fields?: LogFields): void;
}

const RANK: Record<LogLevel, number> = { debug: 10, info: 20, warn: 30, error: 40 };
/** Errors nest through `cause`; a loop (a.cause = b, b.cause = a) must not recurse forever. */
const MAX_CAUSE_DEPTH = 5;

/** JSON.stringify that never throws: circular references become "[Circular]", BigInts numbers. */
const stringify = configure({ circularValue: '[Circular]', bigint: true, deterministic: false });

/**
 * Interaction tokens travel in URL paths (webhook and callback routes): they are credentials for
 * 15 minutes and never reach a log line, whatever error message or field carries the URL.
 */
const INTERACTION_TOKEN_IN_PATH = /\/(webhooks|interactions)\/(\d+)\/[\w.-]{20,}/g;

export interface LoggerOptions {
	level: LogLevel;
	/** Values that must never reach a log line (the Discord token, the Convai key). */
	secrets: readonly string[];
	write?: (line: string) => void;
}

/**
 * One JSON object per line, so logs can be grepped by interaction id and fed to any collector.
 * Every line is scrubbed of the configured secrets, whatever field or error message carries them.
 * Logging never throws: it is called from catch handlers, where a throw would hide the first error.
 */
export function createLogger({ level, secrets, write = (line) => process.stdout.write(`${line}\n`) }: LoggerOptions): Logger {
	const hidden = secrets.filter((secret) => secret.length >= 4);
	const scrub = (text: string): string =>
		hidden
			.reduce((result, secret) => result.split(secret).join('[redacted]'), text)
			.replace(INTERACTION_TOKEN_IN_PATH, '/$1/$2/[redacted]');

	const log = (lineLevel: LogLevel, message: string, fields: LogFields = {}): void => {
		if (RANK[lineLevel] < RANK[level]) return;
		const time = new Date().toISOString();
		let line: string;
		try {
			line = stringify({ time, level: lineLevel, msg: message, ...serializeFields(fields) }) ?? '';
		} catch (error) {
			// A getter or toJSON that throws: keep the message, say why the fields are missing.
			line = stringify({ time, level: lineLevel, msg: message, logError: `fields could not be serialized: ${describe(error)}` }) ?? '';
		}
		try {
			write(scrub(line));
		} catch {
			// stdout is gone (EPIPE); there is nowhere left to report it.
		}
	};

	return {
		debug: (message, fields) => log('debug', message, fields),
		info: (message, fields) => log('info', message, fields),
		warn: (message, fields) => log('warn', message, fields),
		error: (message, fields) => log('error', message, fields),
	};
}

function serializeFields(fields: LogFields): LogFields {
	const result: LogFields = {};
	for (const [key, value] of Object.entries(fields)) result[key] = value instanceof Error ? serializeError(value, 0) : value;
	return result;
}

function serializeError(error: Error, depth: number): LogFields {
	const code = (error as { code?: unknown }).code;
	return {
		name: error.name,
		message: error.message,
		...(code === undefined ? {} : { code }),
		stack: error.stack,
		...(error.cause instanceof Error && depth < MAX_CAUSE_DEPTH ? { cause: serializeError(error.cause, depth + 1) } : {}),
	};
}

function describe(error: unknown): string {
	try {
		return error instanceof Error ? error.message : String(error);
	} catch {
		return 'unknown error';
	}
}
