/**
 * The fake Convai's Character API (create, getResponse, delete), kept to the published shapes:
 * create and delete take JSON, getResponse takes form fields and answers JSON with a session id
 * whose earlier turns the replies quote back, so tests can see a conversation remembered.
 */
import { randomBytes } from 'node:crypto';
import type { Script } from './fake-convai.js';

export const CHARACTER_PATHS = {
	create: '/character/create',
	getResponse: '/character/getResponse',
	delete: '/character/delete',
} as const;

export interface FakeCharacter {
	charID: string;
	charName: string;
	voiceType: string;
	backstory: string;
}

export interface FakeSession {
	sessionID: string;
	charID: string;
	/** What the user said, in order. */
	turns: string[];
}

/** Replaces the normal answer of an endpoint (a fault, a slow answer); undefined answers normally. */
export type CharacterFault = (path: string, body: Record<string, string>) => Script | undefined;

export interface FakeCharacterApi {
	/** Characters Convai knows now. */
	readonly characters: Map<string, FakeCharacter>;
	/** Every create call that succeeded, in order. */
	readonly created: FakeCharacter[];
	/** charIDs deleted through the API, in order. */
	readonly deleted: string[];
	readonly sessions: Map<string, FakeSession>;
	setFault(fault: CharacterFault | undefined): void;
	/** Holds create answers back this long, so concurrent first talks overlap. */
	setCreateDelay(ms: number): void;
	/** What the character says; default: what it heard plus every earlier turn of the session. */
	setAnswer(answer: ((userText: string, session: FakeSession) => string) | undefined): void;
	/** Convai deleting a character on its side (the bot is not told). */
	forget(charID: string): void;
	isCharacterPath(path: string | undefined): boolean;
	handle(path: string, rawBody: string, contentType: string | undefined): Script;
}

export const SAMPLE_RATE = 16_000;

export function createFakeCharacterApi(): FakeCharacterApi {
	const characters = new Map<string, FakeCharacter>();
	const created: FakeCharacter[] = [];
	const deleted: string[] = [];
	const sessions = new Map<string, FakeSession>();
	let fault: CharacterFault | undefined;
	let createDelayMs = 0;
	let answer: ((userText: string, session: FakeSession) => string) | undefined;

	const json = (status: number, body: unknown, delayMs = 0): Script => ({
		status,
		headers: { 'content-type': 'application/json' },
		...(delayMs > 0 ? { headersAfterMs: delayMs } : {}),
		body: [{ write: JSON.stringify(body) }],
	});

	const create = (body: Record<string, string>): Script => {
		const { charName, voiceType, backstory } = body;
		if (!charName || !voiceType || !backstory) return json(400, { ERROR: 'charName, voiceType and backstory are required.' });
		const character = { charID: randomBytes(8).toString('hex'), charName, voiceType, backstory };
		characters.set(character.charID, character);
		created.push(character);
		return json(200, { charID: character.charID }, createDelayMs);
	};

	const getResponse = (body: Record<string, string>): Script => {
		const character = characters.get(body.charID ?? '');
		if (!character) return json(400, { ERROR: 'Invalid character ID.' });
		if (!body.userText) return json(400, { ERROR: 'userText is required.' });
		let session = body.sessionID && body.sessionID !== '-1' ? sessions.get(body.sessionID) : undefined;
		if (session?.charID !== character.charID) {
			session = { sessionID: randomBytes(8).toString('hex'), charID: character.charID, turns: [] };
			sessions.set(session.sessionID, session);
		}
		const text = answer?.(body.userText, session) ?? defaultAnswer(character, body.userText, session);
		session.turns.push(body.userText);
		const voice = body.voiceResponse === 'True';
		return json(200, {
			charID: character.charID,
			text,
			sessionID: session.sessionID,
			audio: voice ? fakeWav(text).toString('base64') : null,
			sample_rate: SAMPLE_RATE,
		});
	};

	const remove = (body: Record<string, string>): Script => {
		if (!body.charID || !characters.delete(body.charID)) return json(400, { ERROR: 'Invalid character ID.' });
		deleted.push(body.charID);
		return json(200, { STATUS: 'SUCCESS' });
	};

	return {
		characters,
		created,
		deleted,
		sessions,
		setFault: (next) => void (fault = next),
		setCreateDelay: (ms) => void (createDelayMs = ms),
		setAnswer: (next) => void (answer = next),
		forget: (charID) => void characters.delete(charID),
		isCharacterPath: (path) => Object.values(CHARACTER_PATHS).includes(path as never),
		handle(path, rawBody, contentType) {
			const body = parseBody(rawBody, contentType);
			const faulted = fault?.(path, body);
			if (faulted) return faulted;
			if (path === CHARACTER_PATHS.create) return create(body);
			if (path === CHARACTER_PATHS.getResponse) return getResponse(body);
			return remove(body);
		},
	};
}

function defaultAnswer(character: FakeCharacter, userText: string, session: FakeSession): string {
	const earlier = session.turns.length === 0 ? 'nothing before' : session.turns.map((turn) => `"${turn}"`).join(', ');
	return `${character.charName} heard "${userText}" and remembers ${earlier}.`;
}

function parseBody(raw: string, contentType: string | undefined): Record<string, string> {
	if ((contentType ?? '').includes('json')) {
		try {
			const value = JSON.parse(raw) as Record<string, unknown>;
			return Object.fromEntries(Object.entries(value).map(([key, item]) => [key, String(item)]));
		} catch {
			return {};
		}
	}
	return Object.fromEntries(new URLSearchParams(raw));
}

/** A short, valid mono 16-bit WAV whose samples depend on the text, so tests can compare bytes. */
export function fakeWav(text: string): Buffer {
	const samples = Buffer.from(text, 'utf8');
	const data = Buffer.alloc(samples.length * 2);
	samples.forEach((byte, index) => data.writeInt16LE((byte - 128) * 64, index * 2));
	const header = Buffer.alloc(44);
	header.write('RIFF', 0, 'ascii');
	header.writeUInt32LE(36 + data.length, 4);
	header.write('WAVEfmt ', 8, 'ascii');
	header.writeUInt32LE(16, 16);
	header.writeUInt16LE(1, 20);
	header.writeUInt16LE(1, 22);
	header.writeUInt32LE(SAMPLE_RATE, 24);
	header.writeUInt32LE(SAMPLE_RATE * 2, 28);
	header.writeUInt16LE(2, 32);
	header.writeUInt16LE(16, 34);
	header.write('data', 36, 'ascii');
	header.writeUInt32LE(data.length, 40);
	return Buffer.concat([header, data]);
}
