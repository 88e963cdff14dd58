import type { LogLevel } from '../config/config.js';

export type LogFields = Record<string, unknown>;

export interface Logger {
	debug(message: string, fields?: LogFields): void;
	info(message: string, fields?: LogFields): void;
	warn(message: string, fields?: LogFields): void;
	error(message: string, fields?: LogFields): void;
}

const RANK: Record<LogLevel, number> = { debug: 10, info: 20, warn: 30, error: 40 };

export interface LoggerOptions {
	level: LogLevel;
	/** Values that must never reach a log line (the Discord token, the Convai key). */
	secrets: readonly string[];
	write?: (line: string) => void;
}

/**
 * One JSON object per line, so logs can be grepped by interaction id and fed to any collector.
 * Every line is scrubbed of the configured secrets, whatever field or error message carries them.
 */
export function createLogger({ level, secrets, write = (line) => process.stdout.write(`${line}\n`) }: LoggerOptions): Logger {
	const hidden = secrets.filter((secret) => secret.length >= 4);
	const scrub = (text: string): string =>
		hidden.reduce((result, secret) => result.split(secret).join('[redacted]'), text);

	const log = (lineLevel: LogLevel, message: string, fields: LogFields = {}): void => {
		if (RANK[lineLevel] < RANK[level]) return;
		const entry = { time: new Date().toISOString(), level: lineLevel, msg: message, ...serializeFields(fields) };
		write(scrub(JSON.stringify(entry)));
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
	for (const [key, value] of Object.entries(fields)) result[key] = value instanceof Error ? serializeError(value) : value;
	return result;
}

function serializeError(error: Error): LogFields {
	const code = (error as { code?: unknown }).code;
	return {
		name: error.name,
		message: error.message,
		...(code === undefined ? {} : { code }),
		stack: error.stack,
		...(error.cause instanceof Error ? { cause: serializeError(error.cause) } : {}),
	};
}
