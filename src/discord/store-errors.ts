import { UserFacingError } from '../interactions/errors.js';
import { StoreUnavailableError } from '../store/index.js';

export const STORE_UNAVAILABLE = 'The character store is unavailable right now. Please try again in a minute.';

/**
 * For a command's catch block: a store outage becomes the one sentence users see (the store bounds
 * every call, so this comes within its timeout); anything else is passed on unchanged.
 */
export function asUserFacing(error: unknown): unknown {
	return error instanceof StoreUnavailableError ? new UserFacingError(STORE_UNAVAILABLE, { cause: error }) : error;
}
