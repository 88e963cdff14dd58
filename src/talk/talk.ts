import type { Logger } from '../ops/log.js';
import { ConversationTurns } from './conversation-turns.js';
import type { SavedCharacter } from '../store/index.js';
import type { CharacterApi } from '../upstream/character-client.js';
import { UpstreamError } from '../upstream/errors.js';
import { entryKey, TALK_SCHEMA_VERSION, type EntryRef, type TalkStore } from './talk-store.js';
import { DEFAULT_VOICE } from './voices.js';

/**
 * Talking to saved characters: each roster entry gets one Convai character, created on its first
 * /talk and reused by everyone after; each channel (or thread) keeps one Convai session per
 * character so the table shares one conversation.
 */

export interface TalkTarget {
	entry: EntryRef;
	character: SavedCharacter;
}

export interface TalkRequest {
	target: TalkTarget;
	/** Where the conversation happens (a channel or thread id): one session per place and character. */
	conversation: string;
	userText: string;
	voice: boolean;
	/** Forget this place's conversation and start a new one. */
	startOver: boolean;
	signal: AbortSignal;
}

export interface TalkReply {
	text: string;
	/** WAV bytes, when voice was asked for and Convai sent audio. */
	audio: Buffer | undefined;
	/** False when this message opened a new conversation. */
	continued: boolean;
	/** Convai had lost the character and it was created again for this answer. */
	recreated: boolean;
}

export interface TalkStatus {
	/** The Convai character exists already (someone has talked to it). */
	awake: boolean;
	voiceType: string;
}

export interface Talk {
	/**
	 * Answers one /talk message. The only place the bot talks to a Convai character: input
	 * screening and quotas belong right before this call (see commands/talk.ts).
	 */
	talk(request: TalkRequest): Promise<TalkReply>;
	status(entry: EntryRef): Promise<TalkStatus>;
	/** Returns true when an existing Convai character was dropped so the next /talk uses the new voice. */
	setVoice(entry: EntryRef, voiceType: string): Promise<boolean>;
	/** After a roster delete: removes the Convai character and what was kept about it. */
	forget(entry: EntryRef): Promise<void>;
}

/** Longer than one create call may take (the client's total timeout), so a live holder keeps it. */
const CLAIM_TTL_MS = 90_000;
const CLAIM_POLL_MS = 150;
const NEW_SESSION = '-1';

export function createTalk(deps: { store: TalkStore; api: CharacterApi; log: Logger }): Talk {
	const { store, api, log } = deps;
	const creating = new Map<string, Promise<string>>();
	const conversations = new ConversationTurns();

	/**
	 * The entry's Convai charID, created if needed, exactly once: concurrent callers in this process
	 * share one promise, and processes sharing Redis take turns through the store's claim.
	 * `replacing` is a charID Convai no longer knows: a link to it does not count.
	 */
	const ensureCharacter = (target: TalkTarget, signal: AbortSignal, replacing?: string): Promise<string> => {
		const key = entryKey(target.entry);
		const running = creating.get(key);
		if (running) return running;
		const created = createOnce(target, signal, replacing).finally(() => creating.delete(key));
		creating.set(key, created);
		return created;
	};

	const createOnce = async (target: TalkTarget, signal: AbortSignal, replacing: string | undefined): Promise<string> => {
		const { entry, character } = target;
		const giveUpAt = Date.now() + CLAIM_TTL_MS + 10_000;
		for (;;) {
			signal.throwIfAborted();
			const link = await store.getLink(entry);
			if (link && link.charID !== replacing) return link.charID;
			const claim = await store.claim(entry, CLAIM_TTL_MS);
			if (claim) {
				try {
					// Someone may have finished between our read and our claim.
					const latest = await store.getLink(entry);
					if (latest && latest.charID !== replacing) return latest.charID;
					const voiceType = (await store.getVoice(entry)) ?? DEFAULT_VOICE;
					const { charID } = await api.create({ charName: character.name, voiceType, backstory: character.text }, { signal });
					log.info('convai character created', { entry: entryKey(entry), charID, voiceType, replacing });
					try {
						await store.setLink(entry, { version: TALK_SCHEMA_VERSION, charID, voiceType, createdAt: Date.now() });
					} catch (error) {
						// Unrecorded, it would be created again next time: remove it rather than leave it behind.
						api.delete(charID).catch((deleteError: unknown) => log.warn('could not delete an unrecorded convai character', { charID, error: deleteError }));
						throw error;
					}
					return charID;
				} finally {
					await claim.release().catch((error: unknown) => log.warn('could not release a talk claim', { entry: entryKey(entry), error }));
				}
			}
			if (Date.now() > giveUpAt) throw new UpstreamError('total-timeout', 'Another bot process did not finish creating this character in time');
			await sleep(CLAIM_POLL_MS, signal);
		}
	};

	const converse = async (request: TalkRequest): Promise<TalkReply> => {
		const { target, conversation, signal } = request;
		let charID = await ensureCharacter(target, signal);
		const stored = request.startOver ? undefined : await store.getSession(conversation, target.entry);
		const sessionID = stored?.charID === charID ? stored.sessionID : NEW_SESSION;
		const ask = (id: string, session: string) =>
			api.getResponse({ charID: id, userText: request.userText, sessionID: session, voiceResponse: request.voice }, { signal });
		let recreated = false;
		let answer;
		try {
			answer = await ask(charID, sessionID);
		} catch (error) {
			if (!mayBeLostCharacter(error)) throw error;
			// Convai does not document its answer for an unknown charID, so any other 4xx counts: once.
			log.warn('convai refused a character; creating it again', { entry: entryKey(target.entry), charID, status: error.status, detail: error.detail });
			charID = await ensureCharacter(target, signal, charID);
			recreated = true;
			answer = await ask(charID, NEW_SESSION);
		}
		await store
			.setSession(conversation, target.entry, { version: TALK_SCHEMA_VERSION, sessionID: answer.sessionID, charID })
			.catch((error: unknown) => log.warn('could not keep a talk session; the next message starts a new one', { conversation, error }));
		return { text: answer.text, audio: answer.audio, continued: sessionID !== NEW_SESSION && !recreated, recreated };
	};

	return {
		// One message at a time per place and character, so a table's messages all land in one session.
		talk: (request) => conversations.run(`${request.conversation}|${entryKey(request.target.entry)}`, request.signal, () => converse(request)),
		async status(entry) {
			const [link, voiceType] = await Promise.all([store.getLink(entry), store.getVoice(entry)]);
			return { awake: link !== undefined, voiceType: voiceType ?? link?.voiceType ?? DEFAULT_VOICE };
		},
		async setVoice(entry, voiceType) {
			await store.setVoice(entry, voiceType);
			const link = await store.getLink(entry);
			if (!link || link.voiceType === voiceType) return false;
			// Convai keeps the voice with the character: the next /talk creates it again with this one.
			await store.deleteLink(entry);
			api.delete(link.charID).catch((error: unknown) => log.warn('could not delete a convai character after a voice change', { charID: link.charID, error }));
			return true;
		},
		async forget(entry) {
			const link = await store.getLink(entry);
			await Promise.all([store.deleteLink(entry), store.deleteVoice(entry)]);
			if (link) await api.delete(link.charID);
			if (link) log.info('convai character deleted', { entry: entryKey(entry), charID: link.charID });
		},
	};
}

/** A 4xx that is not about the key, the plan or the rate: perhaps Convai deleted the character. */
export function mayBeLostCharacter(error: unknown): error is UpstreamError {
	const status = error instanceof UpstreamError ? error.status : undefined;
	return status !== undefined && status >= 400 && status < 500 && status !== 401 && status !== 403 && status !== 429;
}

function sleep(ms: number, signal: AbortSignal): Promise<void> {
	return new Promise((resolve, reject) => {
		const onAbort = (): void => {
			clearTimeout(timer);
			reject(signal.reason);
		};
		const timer = setTimeout(() => {
			signal.removeEventListener('abort', onAbort);
			resolve();
		}, ms);
		signal.addEventListener('abort', onAbort, { once: true });
	});
}
