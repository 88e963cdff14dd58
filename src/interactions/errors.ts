import { english, text, type Text, type TextKey, type TextVars } from '../i18n/text.js';
import type { UpstreamError } from '../upstream/errors.js';
import { truncate } from '../render/truncate.js';

/**
 * Errors are split in two families: those written for the person in Discord (UserFacingError and
 * the upstream failures), and everything else, which is a bug and is only logged.
 */

/**
 * A problem the user can act on. It carries a catalogue id, not a sentence: the error boundary
 * translates it into the language of the person it answers. Its `message` is the English, for logs.
 */
export class UserFacingError extends Error {
	public override readonly name = 'UserFacingError';
	public readonly text: Text;

	public constructor(key: TextKey | Text, vars?: TextVars, options?: { cause?: unknown }) {
		const message = typeof key === 'string' ? text(key, vars) : key;
		super(english(message), options);
		this.text = message;
	}
}

const UPSTREAM_TEXT = {
	unauthorized: 'upstream.unauthorized',
	busy: 'upstream.busy',
	unavailable: 'upstream.unavailable',
	rejected: 'upstream.rejected',
	interrupted: 'upstream.interrupted',
	'idle-timeout': 'upstream.idleTimeout',
	'total-timeout': 'upstream.totalTimeout',
	protocol: 'upstream.protocol',
} as const satisfies Record<UpstreamError['code'], TextKey>;

/** The sentences a feature shows for each upstream failure, and for Convai's own reason for a refusal. */
export interface UpstreamTexts {
	byCode: Record<UpstreamError['code'], TextKey>;
	rejectedWithDetail: TextKey;
}

const BACKSTORY_TEXTS: UpstreamTexts = { byCode: UPSTREAM_TEXT, rejectedWithDetail: 'upstream.rejectedWithDetail' };

/**
 * One sentence for users about an upstream failure; never contains a key or a stack trace. Convai's
 * reason for a refusal is shown, shortened; every other code maps to the feature's fixed sentence.
 */
export function describeUpstreamError(error: UpstreamError, texts: UpstreamTexts = BACKSTORY_TEXTS): Text {
	if (error.code === 'rejected' && error.detail) return text(texts.rejectedWithDetail, { detail: truncate(error.detail, 300) });
	return text(texts.byCode[error.code]);
}

/**
 * Wraps a bug that the command has already explained to the user (its messages are final), so the
 * interaction boundary logs it without overwriting what the user sees.
 */
export class AlreadyReportedError extends Error {
	public override readonly name = 'AlreadyReportedError';
}
