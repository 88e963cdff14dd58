import { randomBytes } from 'node:crypto';
import KeyvRedis from '@keyv/redis';
import type Keyv from 'keyv';
import { runBounded } from '../store/bounded.js';
import { createKeyvFromUrl, disconnectKeyv } from '../store/keyv.js';
import type { CharacterScope } from '../store/index.js';

/**
 * What talking needs to remember, in its own keyv namespace next to the roster (the roster's
 * records are not touched): per roster entry its Convai character and chosen voice, and per
 * channel and character the Convai session. Every call is bounded like the other stores.
 */

export const TALK_SCHEMA_VERSION = 1;
/** A conversation nobody has spoken in for a day starts over (the expiry slides with each message). */
export const SESSION_TTL_MS = 24 * 60 * 60_000;

/** Which roster entry: its scope (public roster or someone's private list) and its id. */
export interface EntryRef {
	scope: CharacterScope;
	id: string;
}

export interface ConvaiLink {
	version: typeof TALK_SCHEMA_VERSION;
	charID: string;
	voiceType: string;
	createdAt: number;
}

export interface StoredSession {
	version: typeof TALK_SCHEMA_VERSION;
	sessionID: string;
	/** A session belongs to one Convai character; a recreated character starts a new one. */
	charID: string;
}

export interface TalkStore {
	getLink(entry: EntryRef): Promise<ConvaiLink | undefined>;
	setLink(entry: EntryRef, link: ConvaiLink): Promise<void>;
	deleteLink(entry: EntryRef): Promise<void>;
	getVoice(entry: EntryRef): Promise<string | undefined>;
	setVoice(entry: EntryRef, voiceType: string): Promise<void>;
	deleteVoice(entry: EntryRef): Promise<void>;
	getSession(conversation: string, entry: EntryRef): Promise<StoredSession | undefined>;
	/** Writes with a fresh day of expiry. */
	setSession(conversation: string, entry: EntryRef, session: StoredSession): Promise<void>;
	/**
	 * Takes the right to create this entry's Convai character, for `ttlMs` at most (a crashed
	 * holder must not block it forever). With Redis this is an atomic SET NX shared by every bot
	 * process; other stores serve one process, so an in-process claim is exact there.
	 */
	claim(entry: EntryRef, ttlMs: number): Promise<Claim | undefined>;
	close(): Promise<void>;
}

export interface Claim {
	release(): Promise<void>;
}

export function entryKey({ scope, id }: EntryRef): string {
	return `${scope.guildId ?? 'dm'}:${scope.ownerId ?? 'public'}:${id}`;
}

export function createTalkStore(storeUrl: string, options: { namespace: string; timeoutMs: number; onError: (error: unknown) => void }): TalkStore {
	const keyv = createKeyvFromUrl(storeUrl, { namespace: options.namespace, onError: options.onError });
	return new KeyvTalkStore(keyv, options.namespace, options.timeoutMs);
}

/** The few Redis commands a claim needs (the adapter's client type is a union of client kinds). */
interface ClaimClient {
	set(key: string, value: string, options: { condition: 'NX'; expiration: { type: 'PX'; value: number } }): Promise<unknown>;
	eval(script: string, options: { keys: string[]; arguments: string[] }): Promise<unknown>;
}

/** Deletes the claim only if it is still ours: an expired claim may already belong to someone else. */
const RELEASE_IF_OURS = "if redis.call('get', KEYS[1]) == ARGV[1] then return redis.call('del', KEYS[1]) else return 0 end";

export class KeyvTalkStore implements TalkStore {
	private readonly localClaims = new Map<string, number>();

	public constructor(
		private readonly keyv: Keyv,
		private readonly namespace: string,
		private readonly timeoutMs: number,
	) {}

	public getLink(entry: EntryRef): Promise<ConvaiLink | undefined> {
		return this.read<ConvaiLink>('talk.getLink', `link:${entryKey(entry)}`);
	}

	public async setLink(entry: EntryRef, link: ConvaiLink): Promise<void> {
		await runBounded('talk.setLink', this.timeoutMs, () => this.keyv.set(`link:${entryKey(entry)}`, link));
	}

	public async deleteLink(entry: EntryRef): Promise<void> {
		await runBounded('talk.deleteLink', this.timeoutMs, () => this.keyv.delete(`link:${entryKey(entry)}`));
	}

	public async getVoice(entry: EntryRef): Promise<string | undefined> {
		return (await this.read<{ version: number; voiceType: string }>('talk.getVoice', `voice:${entryKey(entry)}`))?.voiceType;
	}

	public async setVoice(entry: EntryRef, voiceType: string): Promise<void> {
		await runBounded('talk.setVoice', this.timeoutMs, () =>
			this.keyv.set(`voice:${entryKey(entry)}`, { version: TALK_SCHEMA_VERSION, voiceType }),
		);
	}

	public async deleteVoice(entry: EntryRef): Promise<void> {
		await runBounded('talk.deleteVoice', this.timeoutMs, () => this.keyv.delete(`voice:${entryKey(entry)}`));
	}

	public getSession(conversation: string, entry: EntryRef): Promise<StoredSession | undefined> {
		return this.read<StoredSession>('talk.getSession', sessionKey(conversation, entry));
	}

	public async setSession(conversation: string, entry: EntryRef, session: StoredSession): Promise<void> {
		await runBounded('talk.setSession', this.timeoutMs, () => this.keyv.set(sessionKey(conversation, entry), session, SESSION_TTL_MS));
	}

	public async claim(entry: EntryRef, ttlMs: number): Promise<Claim | undefined> {
		const key = `${this.namespace}:claim:${entryKey(entry)}`;
		const token = randomBytes(8).toString('hex');
		if (!(this.keyv.store instanceof KeyvRedis)) return this.claimLocally(key, ttlMs);
		const store = this.keyv.store;
		return runBounded('talk.claim', this.timeoutMs, async () => {
			const client = (await store.getClient()) as unknown as ClaimClient;
			const taken = await client.set(key, token, { condition: 'NX', expiration: { type: 'PX', value: ttlMs } });
			if (taken === null) return undefined;
			return {
				release: async () => {
					await runBounded('talk.release', this.timeoutMs, () => client.eval(RELEASE_IF_OURS, { keys: [key], arguments: [token] }));
				},
			};
		});
	}

	public close(): Promise<void> {
		return disconnectKeyv(this.keyv);
	}

	private claimLocally(key: string, ttlMs: number): Claim | undefined {
		const now = Date.now();
		if ((this.localClaims.get(key) ?? 0) > now) return undefined;
		const until = now + ttlMs;
		this.localClaims.set(key, until);
		return {
			release: async () => {
				if (this.localClaims.get(key) === until) this.localClaims.delete(key);
			},
		};
	}

	private read<T extends { version: unknown }>(operation: string, key: string): Promise<T | undefined> {
		return runBounded(operation, this.timeoutMs, async () => {
			const stored = await this.keyv.get<T>(key);
			// Written by another version: treated as absent, so the entry is set up again rather than misread.
			return stored?.version === TALK_SCHEMA_VERSION ? stored : undefined;
		});
	}
}

function sessionKey(conversation: string, entry: EntryRef): string {
	return `session:${conversation}:${entryKey(entry)}`;
}
