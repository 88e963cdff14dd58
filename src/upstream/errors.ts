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
