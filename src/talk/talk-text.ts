import type { UpstreamError } from '../upstream/errors.js';

/** Every sentence /talk and the talk parts of /characters show people, in one place for translation. */

export const TALK_TEXT = {
	emptyMessage: 'Please say something to the character (with some letters in it).',
	notFound: (name: string) =>
		`No character called "${name}" is saved in this server (private characters talk only to their author). Pick one from the suggestions, or see \`/characters list\`.`,
	startedOver: '-# 🔄 a new conversation starts here',
	recreated: '-# ♻️ Convai had forgotten this character, so it was created again from its backstory: the conversation starts over',
	noAudio: '-# 🔇 Convai sent no audio for this answer',
	interrupted: 'interrupted: the bot is restarting. Please ask again in a minute.',
	voiceSet: (name: string, voice: string, recreate: boolean) =>
		`🎙️ **${name}** now speaks with the ${voice} voice.${recreate ? ' The next `/talk` creates it again on Convai with that voice (its conversations start over).' : ''}`,
	voiceNotAllowed: (author: string, name: string) => `Only ${author}, who wrote **${name}**, or a member with Manage Server can choose its voice.`,
	/** The `/characters show` line; `details` is missing when the talk store did not answer in time. */
	showCanTalk: (isPrivate: boolean, details?: { voice: string; awake: boolean }) =>
		[
			isPrivate ? '💬 can talk, only with you and privately: `/talk`' : '💬 can talk: `/talk`',
			...(details ? [`${details.voice} voice`, details.awake ? 'awake on Convai' : 'the first /talk creates it on Convai'] : []),
		].join(' · '),
} as const;

/** One sentence about a failed Convai call during /talk; never contains a key or a stack trace. */
export function describeTalkError(error: UpstreamError): string {
	switch (error.code) {
		case 'unauthorized':
			return 'Convai rejected the API key. Server owner: check `CONVAI_API_KEY` and that your Convai plan includes the Character API (Professional plan or above).';
		case 'busy':
			return 'Convai is busy right now (rate limited). Please try again in a minute.';
		case 'unavailable':
			return 'Convai is unavailable right now. Please try again in a few minutes.';
		case 'rejected':
			return error.detail
				? `Convai could not answer: ${truncate(error.detail, 300)}`
				: 'Convai could not answer this message. Try saying it differently.';
		case 'interrupted':
			return 'The connection to Convai dropped before the answer arrived. Please try again.';
		case 'idle-timeout':
		case 'total-timeout':
			return 'Convai took too long to answer. Please try again in a minute.';
		case 'protocol':
			return 'Convai sent an answer the bot could not read. Please try again later.';
	}
}

function truncate(text: string, max: number): string {
	return text.length <= max ? text : `${text.slice(0, max - 1)}…`;
}
