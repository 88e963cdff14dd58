/**
 * The voices `/characters voice` offers (their labels come from the catalogue:
 * `command.characters.voice.voice.<value>` for the choice, `talk.voice…` in sentences). Convai's voice list is longer and changes; these two are
 * the generic voice types its Character API documents, so they work on every plan.
 */
export const VOICES = [
	{ name: 'Male', value: 'MALE' },
	{ name: 'Female', value: 'FEMALE' },
] as const;

export type VoiceType = (typeof VOICES)[number]['value'];

/** Used until someone picks a voice; a backstory does not say reliably how a character sounds. */
export const DEFAULT_VOICE: VoiceType = 'MALE';

export function isVoiceType(value: string): value is VoiceType {
	return VOICES.some((voice) => voice.value === value);
}
