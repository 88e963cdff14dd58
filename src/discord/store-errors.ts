import { UserFacingError } from '../interactions/errors.js';
import { StoreUnavailableError } from '../store/index.js';

/**
 * For a command's catch block: a store outage becomes the one sentence users see (the store bounds
 * every call, so this comes within its timeout); anything else is passed on unchanged.
 */
export function asUserFacing(error: unknown): unknown {
	return error instanceof StoreUnavailableError ? new UserFacingError(error.text, undefined, { cause: error }) : error;
}
