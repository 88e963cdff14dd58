import { t, text, type Language, type Text, type TextKey } from '../i18n/text.js';
import type { UpstreamError } from '../upstream/errors.js';
import { isVoiceType, type VoiceType } from './voices.js';

/**
 * /talk's user-facing texts live in the catalogue (`talk.*`, src/i18n/locales); this module only
 * picks the key. The character's answer itself comes from Convai and is never translated.
 */

/** How a voice is named in sentences (`/characters show`, `/characters voice`). */
export const VOICE_TEXT = {
	MALE: 'talk.voiceMale',
	FEMALE: 'talk.voiceFemale',
} as const satisfies Record<VoiceType, TextKey>;

/** A voice's name in `language`; a voice type this version does not offer reads as Convai names it. */
export function voiceName(language: Language, voiceType: string): string {
	return isVoiceType(voiceType) ? t(language, VOICE_TEXT[voiceType]) : voiceType;
}

const TALK_ERROR_TEXT = {
	unauthorized: 'talk.unauthorized',
	busy: 'upstream.busy',
	unavailable: 'upstream.unavailable',
	rejected: 'talk.rejected',
	interrupted: 'talk.connectionDropped',
	'idle-timeout': 'talk.timeout',
	'total-timeout': 'talk.timeout',
	protocol: 'upstream.protocol',
} as const satisfies Record<UpstreamError['code'], TextKey>;

/** One sentence about a failed Convai call during /talk; never contains a key or a stack trace. */
export function describeTalkError(error: UpstreamError): Text {
	if (error.code === 'rejected' && error.detail) return text('talk.rejectedWithDetail', { detail: truncate(error.detail, 300) });
	return text(TALK_ERROR_TEXT[error.code]);
}

function truncate(value: string, max: number): string {
	return value.length <= max ? value : `${value.slice(0, max - 1)}…`;
}
