/**
 * Small pieces every Convai client needs, kept in one place so the backstory (SSE) client and the
 * character (JSON) client report failures the same way.
 */

export function errorCode(error: unknown): string {
	if (typeof error === 'object' && error !== null && 'code' in error && typeof error.code === 'string') {
		return error.code;
	}
	return error instanceof Error ? error.name : 'unknown error';
}

export function firstHeader(value: string | string[] | undefined): string | undefined {
	return Array.isArray(value) ? value[0] : value;
}

/** Error bodies end up in logs and, for 'rejected', in Discord; an upstream might echo the key back. */
export function redact(text: string, secret: string): string {
	return secret === '' ? text : text.split(secret).join('[redacted]');
}

/** `https://api.convai.com` or `…/prefix/` plus `character/create`, keeping a proxy's path prefix. */
export function endpointUrl(baseUrl: string, path: string): URL {
	const base = baseUrl.endsWith('/') ? baseUrl : `${baseUrl}/`;
	return new URL(path, base);
}
