import { UpstreamError, type UpstreamErrorCode } from './errors.js';

/** Convai's endpoints disagree on the key that carries the error text, so try all that are known. */
const ERROR_MESSAGE_KEYS = ['error', 'api_error', 'internal_error', 'message', 'detail', 'error_message', 'msg'];

/** Enough for logs; whole HTML error pages are useless there. */
const MAX_LOGGED_BODY_CHARS = 300;

/** The media type without parameters, lower-cased: `Text/HTML; charset=x` -> `text/html`. */
export function mediaTypeOf(contentType: string | undefined): string {
	return (contentType ?? '').split(';')[0]!.trim().toLowerCase();
}

export function isEventStream(contentType: string | undefined): boolean {
	return mediaTypeOf(contentType) === 'text/event-stream';
}

/** What a successful answer looks like: the backstory endpoint streams, the character endpoints answer JSON. */
export type ExpectedAnswer = 'event-stream' | 'json';

/**
 * Classifies a response that is not a usable answer (an event stream, or for the character
 * endpoints a JSON answer with the expected fields). The single place that decides which HTTP
 * failure means what, so the user-facing sentence for each code stays consistent.
 */
export function toUpstreamError(
	status: number,
	contentType: string | undefined,
	bodyText: string,
	expected: ExpectedAnswer = 'event-stream',
): UpstreamError {
	const mediaType = mediaTypeOf(contentType);
	const isJson = mediaType === 'application/json' || mediaType.endsWith('+json');
	const json = isJson ? parseJson(bodyText) : undefined;
	const jsonMessage = json === undefined ? undefined : messageFromJson(json.value);
	// Any text helps in logs, but users see the detail of 'rejected': only Convai's own message goes there.
	const logged = jsonMessage ?? (summarize(bodyText) || undefined);
	const fail = (code: UpstreamErrorCode, message: string): UpstreamError => {
		const detail = code === 'rejected' ? jsonMessage : logged;
		return new UpstreamError(code, message, { status, detail });
	};

	if (status === 401 || status === 403) return fail('unauthorized', `Convai refused the API key (HTTP ${status})`);
	if (status === 429) return fail('busy', 'Convai is rate limiting requests (HTTP 429)');
	if (status >= 500) return fail('unavailable', `Convai failed with HTTP ${status}`);
	if (status >= 400) return fail('rejected', `Convai rejected the request (HTTP ${status})`);
	if (status >= 200 && status < 300) {
		if (mediaType === 'text/html') return fail('unavailable', `Convai answered with an HTML page (HTTP ${status})`);
		if (json !== undefined) {
			return fail('rejected', expected === 'json' ? 'Convai answered with a JSON error' : 'Convai answered with a JSON error instead of a stream');
		}
	}
	const wanted = expected === 'json' ? 'JSON' : 'an event stream';
	return fail('protocol', `Convai answered HTTP ${status} with ${mediaType || 'no content type'}, not ${wanted}`);
}

function parseJson(text: string): { value: unknown } | undefined {
	try {
		return { value: JSON.parse(text) as unknown };
	} catch {
		return undefined;
	}
}

/**
 * The first string under a known error key, else the first string value. Looks a little way into
 * nested values for shapes like `{error: {message}}` and `{detail: [{msg}]}`.
 */
function messageFromJson(value: unknown, depth = 0): string | undefined {
	if (typeof value === 'string') return value.trim() || undefined;
	if (typeof value !== 'object' || value === null || depth > 2) return undefined;
	if (Array.isArray(value)) {
		for (const item of value) {
			const message = messageFromJson(item, depth + 1);
			if (message !== undefined) return message;
		}
		return undefined;
	}
	const entries = Object.entries(value);
	for (const key of ERROR_MESSAGE_KEYS) {
		const entry = entries.find(([name]) => name.toLowerCase() === key);
		const message = entry === undefined ? undefined : messageFromJson(entry[1], depth + 1);
		if (message !== undefined) return message;
	}
	const firstString = entries.find(([, item]) => typeof item === 'string' && item.trim() !== '');
	return firstString === undefined ? undefined : (firstString[1] as string).trim();
}

function summarize(text: string): string {
	const flat = text.replace(/\s+/g, ' ').trim();
	return flat.length <= MAX_LOGGED_BODY_CHARS ? flat : `${flat.slice(0, MAX_LOGGED_BODY_CHARS - 1)}…`;
}
