/**
 * What users type into string options, cleaned the same way everywhere: control characters say
 * nothing to Convai or to readers, so they become spaces, and a value made only of them is empty.
 */
export function normalizeInput(value: string): string {
	return value.replace(/\p{Cc}+/gu, ' ').replace(/\s+/g, ' ').trim();
}
