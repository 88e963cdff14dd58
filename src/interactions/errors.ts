import type { UpstreamError } from '../upstream/errors.js';

/**
 * Errors are split in two families: those whose message is written for the person in Discord
 * (UserFacingError and the upstream failures), and everything else, which is a bug and is only logged.
 */

/** A problem the user can act on; its message is safe to show in Discord as is. */
export class UserFacingError extends Error {
	public override readonly name = 'UserFacingError';
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
