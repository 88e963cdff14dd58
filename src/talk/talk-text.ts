import { t, type Language, type TextKey } from '../i18n/text.js';
import type { UpstreamTexts } from '../interactions/errors.js';
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

/** /talk's sentences for a failed Convai call: the backstory ones where they fit, its own where they differ. */
export const TALK_UPSTREAM_TEXTS: UpstreamTexts = {
	byCode: {
		unauthorized: 'talk.unauthorized',
		busy: 'upstream.busy',
		unavailable: 'upstream.unavailable',
		rejected: 'talk.rejected',
		interrupted: 'talk.connectionDropped',
		'idle-timeout': 'talk.timeout',
		'total-timeout': 'talk.timeout',
		protocol: 'upstream.protocol',
	},
	rejectedWithDetail: 'talk.rejectedWithDetail',
};
