/**
 * Errors are split in two families: those whose message is written for the person in Discord
 * (UserFacingError and the upstream failures), and everything else, which is a bug and is only logged.
 */

/** A problem the user can act on; its message is safe to show in Discord as is. */
export class UserFacingError extends Error {
	public override readonly name = 'UserFacingError';
}

/**
 * Why a call to the backstory API failed. Each code maps to one sentence for users in
 * `describeUpstreamError`, so adding a code forces a decision about what people see.
 */
export type UpstreamErrorCode =
	/** 401/403: the key was rejected or the Convai plan does not include this API. */
	| 'unauthorized'
	/** 429: Convai asks us to slow down. */
	| 'busy'
	/** 5xx, an HTML error page, or the connection could not be made. */
	| 'unavailable'
	/** A 200 with a JSON error body, or another 4xx: Convai refused this request. */
	| 'rejected'
	/** The connection dropped in the middle of the stream. */
	| 'interrupted'
	/** No data arrived for longer than the idle timeout. */
	| 'idle-timeout'
	/** The whole generation took longer than the hard cap. */
	| 'total-timeout'
	/** The response was not a readable event stream. */
	| 'protocol';

export interface UpstreamErrorOptions {
	status?: number;
	/** Text Convai sent with the error (for logs; shown to users only for 'rejected'). */
	detail?: string;
	cause?: unknown;
}

/** A failed call to the upstream backstory API. */
export class UpstreamError extends Error {
	public override readonly name = 'UpstreamError';
	public readonly code: UpstreamErrorCode;
	public readonly status: number | undefined;
	public readonly detail: string | undefined;

	public constructor(code: UpstreamErrorCode, message: string, options: UpstreamErrorOptions = {}) {
		super(message, { cause: options.cause });
		this.code = code;
		this.status = options.status;
		this.detail = options.detail;
	}
}

/** One sentence for users about an upstream failure; never contains a key or a stack trace. */
export function describeUpstreamError(error: UpstreamError): string {
	switch (error.code) {
		case 'unauthorized':
			return 'Convai rejected the API key. Server owner: check `CONVAI_API_KEY` and that your Convai plan includes the Backstory API (Professional plan or above).';
		case 'busy':
			return 'Convai is busy right now (rate limited). Please try again in a minute.';
		case 'unavailable':
			return 'Convai is unavailable right now. Please try again in a few minutes.';
		case 'rejected':
			return error.detail
				? `Convai could not write this backstory: ${truncate(error.detail, 300)}`
				: 'Convai could not write this backstory. Try a different description.';
		case 'interrupted':
			return 'interrupted: the connection to Convai dropped';
		case 'idle-timeout':
			return 'timed out: Convai stopped sending text';
		case 'total-timeout':
			return 'timed out: the backstory took too long to write';
		case 'protocol':
			return 'Convai sent a response the bot could not read. Please try again later.';
	}
}

function truncate(text: string, max: number): string {
	return text.length <= max ? text : `${text.slice(0, max - 1)}…`;
}

/**
 * Wraps a bug that the command has already explained to the user (its messages are final), so the
 * interaction boundary logs it without overwriting what the user sees.
 */
export class AlreadyReportedError extends Error {
	public override readonly name = 'AlreadyReportedError';
}
