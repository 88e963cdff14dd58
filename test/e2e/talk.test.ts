import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { fakeWav } from '../support/fake-character-api.js';
import { faults, jsonError, sseScript, type Script } from '../support/fake-convai.js';
import type { CommandOption, FakeMessage, Interaction, UserInput } from '../support/fake-discord/index.js';
import { allStates, finalContents, startHarness, type Harness } from '../support/harness.js';
import { redisAvailable, startTestRedis, type TestRedis } from '../support/redis.js';

const ANN = { id: '1500000000000000001', username: 'ann', globalName: 'Ann' };
const BEN = { id: '1500000000000000002', username: 'ben', globalName: 'Ben' };
const EPHEMERAL = 64;
const LOADING = 128;
const CHANNEL_A = '1510000000000000001';
const CHANNEL_B = '1510000000000000002';
// One server per scenario keeps rosters and sessions apart on the shared bot.
let nextGuild = 1_520_000_000_000_000_001n;
const newGuild = () => (nextGuild++).toString();

let h: Harness;
beforeAll(async () => {
	h = await startHarness();
}, 30_000);
afterAll(async () => {
	await h?.close();
});
afterEach(() => {
	h.convai.characters.setFault(undefined);
	h.convai.characters.setCreateDelay(0);
	h.convai.characters.setAnswer(undefined);
});

/** A finished, saved /backstory; returns its exact text. */
async function writeCharacter(guildId: string, user: UserInput, name: string, options: { private?: boolean } = {}): Promise<string> {
	const text = `${name} grew up above a tavern.\n\nShe counts every coin twice, and trusts nobody who pays in silver.`;
	h.scriptFor(name, sseScript(text.match(/\s*\S+/g) ?? []));
	const interaction = h.discord.sendCommand({
		name: 'backstory',
		guildId,
		user,
		options: [
			{ name: 'name', type: 3, value: name },
			{ name: 'description', type: 3, value: `Innkeeper called ${name}.` },
			...(options.private ? [{ name: 'private', type: 5, value: true }] : []),
		],
	});
	await h.finished(interaction);
	// The roster save follows the final edit; wait until the character can be found.
	await h.discord.waitFor(() => h.bot.logs().some((entry) => entry.msg === 'backstory finished' && entry.interactionId === interaction.id));
	return text;
}

interface TalkOptions {
	user?: UserInput;
	channelId?: string;
	fresh?: boolean;
	voice?: boolean;
	/** The caller's Discord language; en-US unless given. */
	locale?: string;
}

function sendTalk(guildId: string, character: string, message: string, options: TalkOptions = {}): Interaction {
	const extra: CommandOption[] = [
		...(options.fresh ? [{ name: 'new', type: 5, value: true }] : []),
		...(options.voice ? [{ name: 'voice', type: 5, value: true }] : []),
	];
	return h.discord.sendCommand({
		name: 'talk',
		guildId,
		channelId: options.channelId ?? CHANNEL_A,
		user: options.user ?? ANN,
		...(options.locale ? { locale: options.locale } : {}),
		options: [{ name: 'character', type: 3, value: character }, { name: 'message', type: 3, value: message }, ...extra],
	});
}

/** Resolves once the reply is final: an answer (logged), a refusal, or an error shown in place. */
async function settled(interaction: Interaction): Promise<FakeMessage[]> {
	await h.discord.waitFor(() => {
		if (interaction.callback?.type === 4) return true;
		const first = h.discord.messagesOf(interaction.id)[0];
		if (first === undefined || (first.flags & LOADING) !== 0) return false;
		return first.content.startsWith('⚠️') || h.bot.logs().some((entry) => entry.msg === 'talk answered' && entry.interactionId === interaction.id);
	}, 15_000);
	return h.discord.messagesOf(interaction.id);
}

async function talk(guildId: string, character: string, message: string, options: TalkOptions = {}): Promise<string> {
	const interaction = sendTalk(guildId, character, message, options);
	await settled(interaction);
	return finalContents(h.discord, interaction).join('');
}

const characterRequests = (path: string) => h.convai.requests.filter((request) => request.path === path);

describe('/talk: conversations with saved characters', () => {
	it('limits the message length in the command definition and autocompletes from the roster', async () => {
		const definition = (h.discord.commands.guild.get('1100000000000000001') as Array<{ name: string; options: Array<{ name: string; max_length?: number; autocomplete?: boolean }> }>).find((command) => command.name === 'talk')!;
		expect(definition.options.find((option) => option.name === 'message')!.max_length).toBe(500);
		expect(definition.options.find((option) => option.name === 'character')!.autocomplete).toBe(true);

		const guild = newGuild();
		await writeCharacter(guild, ANN, 'Mindy');
		await writeCharacter(guild, ANN, 'Secret Sam', { private: true });
		const complete = async (user: UserInput) => {
			const interaction = h.discord.sendAutocomplete({ name: 'talk', guildId: guild, user, options: [{ name: 'character', type: 3, value: '', focused: true }, { name: 'message', type: 3, value: 'hi' }] });
			await h.discord.waitFor(() => interaction.autocompleteChoices !== undefined);
			return (interaction.autocompleteChoices as Array<{ name: string }>).map((choice) => choice.name.split(' · ')[0]);
		};
		expect(await complete(ANN)).toEqual(['🔒 Secret Sam', 'Mindy']);
		expect(await complete(BEN)).toEqual(['Mindy']);
	});

	it('creates the Convai character once from the saved name and backstory, and keeps one conversation per channel, across a restart', async () => {
		const guild = newGuild();
		const backstory = await writeCharacter(guild, ANN, 'Mindy');
		const createsBefore = h.convai.characters.created.length;

		const first = sendTalk(guild, 'Mindy', 'What did you see last night?');
		const [reply] = await settled(first);
		expect(reply!.content).toBe('> What did you see last night?\n-# 🔄 a new conversation starts here\n**Mindy:** Mindy heard "What did you see last night?" and remembers nothing before.');
		expect(reply!.flags & EPHEMERAL).toBe(0);
		const created = h.convai.characters.created.slice(createsBefore);
		expect(created).toHaveLength(1);
		expect(created[0]).toMatchObject({ charName: 'Mindy', backstory, voiceType: 'MALE' });
		const createRequest = characterRequests('/character/create').at(-1)!;
		expect(createRequest.headers['content-type']).toBe('application/json');

		// Someone else at the same table continues the same conversation.
		expect(await talk(guild, 'mindy', 'And the stranger?', { user: BEN })).toContain('heard "And the stranger?" and remembers "What did you see last night?".');
		// Another channel has its own conversation with the same character.
		expect(await talk(guild, 'Mindy', 'Hello there', { channelId: CHANNEL_B })).toContain('heard "Hello there" and remembers nothing before.');

		await h.restartBot({ TALK_COOLDOWN_SECONDS: '0' });
		expect(await talk(guild, 'Mindy', 'Still there?')).toContain('remembers "What did you see last night?", "And the stranger?".');
		// new:True starts over.
		expect(await talk(guild, 'Mindy', 'Who am I?', { fresh: true })).toContain('heard "Who am I?" and remembers nothing before.');
		expect(h.convai.characters.created.length - createsBefore).toBe(1);
		const talks = characterRequests('/character/getResponse').slice(-5);
		expect(new Set(talks.map((request) => request.form.charID))).toEqual(new Set([created[0]!.charID]));
		expect(talks.map((request) => request.form.voiceResponse)).toEqual(['False', 'False', 'False', 'False', 'False']);
		expect(h.discord.violations).toEqual([]);
	}, 40_000);

	it('creates the character once when two people talk to it at the same moment', async () => {
		const guild = newGuild();
		await writeCharacter(guild, ANN, 'Twin');
		const before = h.convai.characters.created.length;
		h.convai.characters.setCreateDelay(400);
		const both = [sendTalk(guild, 'Twin', 'One?'), sendTalk(guild, 'Twin', 'Two?', { user: BEN, channelId: CHANNEL_B })];
		const replies = await Promise.all(both.map((interaction) => settled(interaction)));
		for (const [reply] of replies) expect(reply!.content).toMatch(/\*\*Twin:\*\* Twin heard "(One|Two)\?"/);
		expect(h.convai.characters.created.length - before).toBe(1);
	});

	it('attaches the spoken answer as a WAV file with voice:True, the text still there', async () => {
		const guild = newGuild();
		await writeCharacter(guild, ANN, 'Singer');
		const interaction = sendTalk(guild, 'Singer', 'Sing for us', { voice: true });
		const [reply] = await settled(interaction);
		expect(reply!.content).toContain('**Singer:** Singer heard "Sing for us"');
		expect(reply!.attachments.map((file) => file.filename)).toEqual(['singer.wav']);
		const upload = h.discord.requests.find((request) => request.token === interaction.token && request.files?.length)!;
		const answer = reply!.content.slice(reply!.content.indexOf('**Singer:** ') + '**Singer:** '.length);
		expect(upload.files![0]!.data!.equals(fakeWav(answer))).toBe(true);
		expect(characterRequests('/character/getResponse').at(-1)!.form.voiceResponse).toBe('True');
	});

	it('lets a private character talk only privately, and only to its author', async () => {
		const guild = newGuild();
		await writeCharacter(guild, ANN, 'Whisper', { private: true });
		const before = h.convai.requests.length;
		const refused = sendTalk(guild, 'Whisper', 'Tell me your secret', { user: BEN });
		await settled(refused);
		expect(refused.callback!.type).toBe(4);
		expect(refused.callback!.data.flags & EPHEMERAL).toBe(EPHEMERAL);
		expect(refused.callback!.data.content).toMatch(/No character called "Whisper".*private characters talk only to their author/);
		expect(h.convai.requests.length).toBe(before);

		const own = sendTalk(guild, 'Whisper', 'Tell me your secret');
		const [reply] = await settled(own);
		expect(own.callback!.type).toBe(5);
		expect(own.callback!.data.flags & EPHEMERAL).toBe(EPHEMERAL);
		expect(reply!.flags & EPHEMERAL).toBe(EPHEMERAL);
		expect(reply!.content).toContain('**Whisper:** Whisper heard "Tell me your secret"');
	});

	it('splits a long answer like a backstory and never pings anyone', async () => {
		const guild = newGuild();
		await writeCharacter(guild, ANN, 'Loud');
		const long = `@everyone listen! <@${BEN.id}> and @here too. ${'The night was long and the rain did not stop. '.repeat(70)}`.trim();
		h.convai.characters.setAnswer(() => long);
		const interaction = sendTalk(guild, 'Loud', 'Tell me everything');
		const messages = await settled(interaction);
		await h.discord.waitFor(() => finalContents(h.discord, interaction).join('').endsWith(long.slice(-40)));
		const contents = finalContents(h.discord, interaction);
		expect(contents.length).toBeGreaterThanOrEqual(2);
		for (const content of contents) expect(content.length).toBeLessThanOrEqual(2_000);
		expect(contents.join('')).toBe(`> Tell me everything\n-# 🔄 a new conversation starts here\n**Loud:** ${long}`);
		for (const state of allStates(h.discord.messagesOf(interaction.id))) {
			expect(state.allowedMentions).toMatchObject({ parse: [] });
		}
		expect(messages.length).toBeGreaterThanOrEqual(1);
		expect(h.discord.violations).toEqual([]);
	});

	it('deletes the Convai character with /characters delete, and show says when a character can talk', async () => {
		const guild = newGuild();
		await writeCharacter(guild, ANN, 'Gone');
		const show = async () => {
			const interaction = h.discord.sendCommand({ name: 'characters', guildId: guild, user: ANN, options: [{ name: 'show', type: 1, options: [{ name: 'name', type: 3, value: 'Gone' }] }] });
			await h.discord.waitFor(() => interaction.callback !== undefined);
			return interaction.callback!.data.content as string;
		};
		expect(await show()).toContain('-# 💬 can talk: `/talk` · Male voice · the first /talk creates it on Convai');
		await talk(guild, 'Gone', 'Hello?');
		const charID = h.convai.characters.created.at(-1)!.charID;
		expect(await show()).toContain('-# 💬 can talk: `/talk` · Male voice · awake on Convai');

		const remove = h.discord.sendCommand({ name: 'characters', guildId: guild, user: ANN, options: [{ name: 'delete', type: 1, options: [{ name: 'name', type: 3, value: 'Gone' }] }] });
		await h.discord.waitFor(() => h.discord.messagesOf(remove.id)[0]?.content.startsWith('🗑️') === true);
		await h.discord.waitFor(() => h.convai.characters.deleted.includes(charID));
		expect(h.convai.characters.characters.has(charID)).toBe(false);
		expect(characterRequests('/character/delete').at(-1)!.form.charID).toBe(charID);
	});

	it('a failing Convai delete is logged and never blocks the roster delete', async () => {
		const guild = newGuild();
		await writeCharacter(guild, ANN, 'Sticky');
		await talk(guild, 'Sticky', 'Hi');
		h.convai.characters.setFault((path) => (path === '/character/delete' ? faults.htmlPage(503) : undefined));
		const remove = h.discord.sendCommand({ name: 'characters', guildId: guild, user: ANN, options: [{ name: 'delete', type: 1, options: [{ name: 'name', type: 3, value: 'Sticky' }] }] });
		await h.discord.waitFor(() => h.discord.messagesOf(remove.id)[0]?.content.startsWith('🗑️') === true);
		await h.bot.waitForLog((entry) => entry.msg === 'could not delete the convai character of a deleted character');
	});

	it('uses the voice chosen with /characters voice, creating the character again when it changes', async () => {
		const guild = newGuild();
		await writeCharacter(guild, ANN, 'Alto');
		await talk(guild, 'Alto', 'Hi');
		const old = h.convai.characters.created.at(-1)!;
		expect(old.voiceType).toBe('MALE');
		const refused = h.discord.sendCommand({ name: 'characters', guildId: guild, user: BEN, options: [{ name: 'voice', type: 1, options: [{ name: 'name', type: 3, value: 'Alto' }, { name: 'voice', type: 3, value: 'FEMALE' }] }] });
		await h.discord.waitFor(() => refused.callback !== undefined);
		expect(refused.callback!.data.content).toMatch(/Only Ann, who wrote \*\*Alto\*\*/);

		const set = h.discord.sendCommand({ name: 'characters', guildId: guild, user: ANN, options: [{ name: 'voice', type: 1, options: [{ name: 'name', type: 3, value: 'Alto' }, { name: 'voice', type: 3, value: 'FEMALE' }] }] });
		await h.discord.waitFor(() => h.discord.messagesOf(set.id)[0]?.content.startsWith('🎙️') === true);
		expect(h.discord.messagesOf(set.id)[0]!.content).toContain('now speaks with the Female voice');
		await h.discord.waitFor(() => h.convai.characters.deleted.includes(old.charID));
		await talk(guild, 'Alto', 'Hi again');
		expect(h.convai.characters.created.at(-1)).toMatchObject({ charName: 'Alto', voiceType: 'FEMALE' });
	});
});

describe('/talk: Convai faults', () => {
	async function errorShown(guild: string, character: string, fault: (path: string) => Script | undefined): Promise<string> {
		h.convai.characters.setFault(fault);
		const interaction = sendTalk(guild, character, 'Are you there?');
		const [reply] = await settled(interaction);
		h.convai.characters.setFault(undefined);
		return reply!.content;
	}

	it("shows a German caller German UI around the character's answer, which stays as Convai wrote it", async () => {
		const guild = newGuild();
		await writeCharacter(guild, ANN, 'Greta');
		// The fake Convai answers in English: the answer must reach the German caller untouched.
		expect(await talk(guild, 'Greta', 'Was hast du gesehen?', { user: BEN, locale: 'de' })).toBe(
			'> Was hast du gesehen?\n-# 🔄 hier beginnt ein neues Gespräch\n**Greta:** Greta heard "Was hast du gesehen?" and remembers nothing before.',
		);
		const show = h.discord.sendCommand({ name: 'characters', guildId: guild, user: BEN, locale: 'de', options: [{ name: 'show', type: 1, options: [{ name: 'name', type: 3, value: 'Greta' }] }] });
		await h.discord.waitFor(() => show.callback !== undefined);
		expect(show.callback!.data.content).toContain('-# 💬 kann reden: `/reden` · Stimme: Männlich · auf Convai wach');
		const missing = sendTalk(guild, 'Nobody', 'Hallo?', { user: BEN, locale: 'de' });
		await h.discord.waitFor(() => missing.callback !== undefined);
		expect(missing.callback!.data.content).toContain('Auf diesem Server gibt es keinen Charakter namens „Nobody“');
	});

	it('explains a rejected key (401) and an unavailable Convai (5xx), and the bot answers the next /talk', async () => {
		const guild = newGuild();
		await writeCharacter(guild, ANN, 'Faulty');
		expect(await errorShown(guild, 'Faulty', () => jsonError(401, { ERROR: 'Invalid API key provided.' }))).toMatch(
			/^⚠️ Convai rejected the API key\. Server owner: check `CONVAI_API_KEY` and that your Convai plan includes the Character API/,
		);
		expect(await errorShown(guild, 'Faulty', (path) => (path === '/character/getResponse' ? faults.htmlPage(502) : undefined))).toBe(
			'⚠️ Convai is unavailable right now. Please try again in a few minutes.',
		);
		expect(await errorShown(guild, 'Faulty', (path) => (path === '/character/getResponse' ? faults.rateLimited() : undefined))).toMatch(/^⚠️ Convai is busy/);
		expect(await talk(guild, 'Faulty', 'Now?')).toContain('**Faulty:** Faulty heard "Now?"');
		expect(h.convai.characters.created.filter((character) => character.charName === 'Faulty')).toHaveLength(1);
	});

	it('creates a character Convai has lost again, once, transparently', async () => {
		const guild = newGuild();
		const backstory = await writeCharacter(guild, ANN, 'Lost');
		await talk(guild, 'Lost', 'Remember me?');
		const first = h.convai.characters.created.at(-1)!;
		h.convai.characters.forget(first.charID);

		const reply = await talk(guild, 'Lost', 'Hello again');
		expect(reply).toContain('Convai had forgotten this character, so it was created again');
		expect(reply).toContain('**Lost:** Lost heard "Hello again" and remembers nothing before.');
		const again = h.convai.characters.created.filter((character) => character.charName === 'Lost');
		expect(again).toHaveLength(2);
		expect(again[1]).toMatchObject({ backstory, voiceType: 'MALE' });
		// The new character is kept: the next message continues with it.
		expect(await talk(guild, 'Lost', 'Still you?')).toContain('remembers "Hello again".');
	});

	it('shows the error when the retry after a lost character fails too', async () => {
		const guild = newGuild();
		await writeCharacter(guild, ANN, 'Broken');
		await talk(guild, 'Broken', 'Hi');
		const before = h.convai.characters.created.length;
		const shown = await errorShown(guild, 'Broken', (path) =>
			path === '/character/getResponse' ? jsonError(400, { ERROR: 'Character cannot talk right now.' }) : undefined,
		);
		expect(shown).toBe('⚠️ Convai could not answer: Character cannot talk right now.');
		// Created again exactly once before giving up.
		expect(h.convai.characters.created.length - before).toBe(1);
	});
});

describe('/talk: restarts', () => {
	it('tells the user when the bot restarts while Convai is answering, and closes the request', async () => {
		const guild = newGuild();
		await writeCharacter(guild, ANN, 'Sleepy');
		await talk(guild, 'Sleepy', 'Hello');
		h.convai.characters.setFault((path) => (path === '/character/getResponse' ? { headersAfterMs: 'never' } : undefined));
		const interaction = sendTalk(guild, 'Sleepy', 'Are you awake?');
		await h.discord.waitFor(() => interaction.callback?.type === 5);
		await h.discord.waitFor(() => h.convai.requests.some((request) => request.form.userText === 'Are you awake?'));
		await h.restartBot({ TALK_COOLDOWN_SECONDS: '0' });
		expect(h.discord.messagesOf(interaction.id)[0]!.content).toBe('⚠️ interrupted: the bot is restarting. Please ask again in a minute.');
		await h.convai.allClosed(2_000);
		h.convai.characters.setFault(undefined);
		expect(await talk(guild, 'Sleepy', 'Now?')).toContain('**Sleepy:** Sleepy heard "Now?"');
	}, 30_000);
});

describe('/talk: fair use', () => {
	let limited: Harness | undefined;
	afterEach(async () => {
		await limited?.close();
		limited = undefined;
	});

	it('has its own cooldown (TALK_COOLDOWN_SECONDS, default 5) and counts toward the running caps while Convai answers', async () => {
		limited = await startHarness({ env: { TALK_COOLDOWN_SECONDS: '', MAX_RUNNING_PER_USER: '1', COOLDOWN_SECONDS: '30' } });
		const l = limited;
		const text = 'Keeper of the lighthouse.';
		l.scriptFor('Keeper', sseScript([text]));
		const guild = newGuild();
		await l.finished(l.discord.sendCommand({ name: 'backstory', guildId: guild, user: ANN, options: [{ name: 'name', type: 3, value: 'Keeper' }, { name: 'description', type: 3, value: 'x' }] }));
		const send = (user: UserInput, message: string) =>
			l.discord.sendCommand({ name: 'talk', guildId: guild, user, options: [{ name: 'character', type: 3, value: 'Keeper' }, { name: 'message', type: 3, value: message }] });
		const answered = (interaction: Interaction) => l.bot.waitForLog((entry) => entry.msg === 'talk answered' && entry.interactionId === interaction.id);

		// The backstory's 30 s cooldown does not hold back talking.
		await answered(send(ANN, 'first'));
		const quick = send(ANN, 'second');
		await l.discord.waitFor(() => quick.callback !== undefined);
		expect(quick.callback!.type).toBe(4);
		expect(quick.callback!.data.content).toMatch(/^You talked to a character a moment ago\. You can talk again <t:(\d+):R>\.$/);
		const retryAt = Number(/<t:(\d+):R>/.exec(quick.callback!.data.content as string)![1]) * 1_000;
		expect(retryAt).toBeGreaterThan(Date.now() + 1_000);
		expect(retryAt).toBeLessThanOrEqual(Date.now() + 6_000);

		// While Ben waits for a slow answer, his running slot is taken: a backstory of his is refused.
		l.convai.characters.setFault((path) =>
			path === '/character/getResponse' ? { status: 200, headers: { 'content-type': 'application/json' }, headersAfterMs: 1_500, body: [{ write: JSON.stringify({ charID: 'x', text: 'Slowly.', sessionID: 's1', audio: null }) }] } : undefined,
		);
		const slow = send(BEN, 'are you slow?');
		await l.discord.waitFor(() => slow.callback?.type === 5);
		const blocked = l.discord.sendCommand({ name: 'backstory', guildId: guild, user: BEN, options: [{ name: 'name', type: 3, value: 'Keeper' }, { name: 'description', type: 3, value: 'x' }] });
		await l.discord.waitFor(() => blocked.callback !== undefined);
		expect(blocked.callback!.type).toBe(4);
		// The slot is held by a /talk, so the refusal must not claim a backstory is being written.
		expect(blocked.callback!.data.content).toMatch(/^You already have something running \(a backstory being written or a character answering\)\./);
		await answered(slow);
		expect(l.discord.messagesOf(slow.id)[0]!.content).toContain('**Keeper:** Slowly.');
	}, 40_000);

	// Before the talk cooldown was taken atomically (check and write in one step), both read "no cooldown" and both ran.
	const stores: Array<{ store: string; skip: boolean }> = [
		{ store: 'sqlite', skip: false },
		{ store: 'redis', skip: !redisAvailable },
	];
	for (const { store, skip } of stores) {
		it.skipIf(skip)(`lets only one of two simultaneous /talk from one user through the talk cooldown, with no running cap (${store})`, async () => {
			let redis: TestRedis | undefined;
			try {
				redis = store === 'redis' ? await startTestRedis(3) : undefined;
				limited = await startHarness({
					env: { TALK_COOLDOWN_SECONDS: '30', MAX_RUNNING_PER_USER: '0', ...(redis ? { STORE_URL: redis.url } : {}) },
				});
				const l = limited;
				l.scriptFor('Twin', sseScript(['Twin of the mill.']));
				const guild = newGuild();
				await l.finished(l.discord.sendCommand({ name: 'backstory', guildId: guild, user: ANN, options: [{ name: 'name', type: 3, value: 'Twin' }, { name: 'description', type: 3, value: 'x' }] }));
				await l.bot.waitForLog((entry) => entry.msg === 'backstory finished');
				const send = (message: string) =>
					l.discord.sendCommand({ name: 'talk', guildId: guild, user: ANN, options: [{ name: 'character', type: 3, value: 'Twin' }, { name: 'message', type: 3, value: message }] });

				const both = [send('one'), send('two')];
				await l.discord.waitFor(() => both.every((interaction) => interaction.callback !== undefined));
				const refused = both.filter((interaction) => interaction.callback!.type === 4);
				expect(refused).toHaveLength(1);
				expect(refused[0]!.callback!.data.content).toMatch(/^You talked to a character a moment ago\. You can talk again <t:\d+:R>\.$/);
				const admitted = both.find((interaction) => interaction.callback!.type !== 4)!;
				await l.bot.waitForLog((entry) => entry.msg === 'talk answered' && entry.interactionId === admitted.id);
				expect(l.convai.requests.filter((request) => request.path === '/character/getResponse')).toHaveLength(1);
			} finally {
				await limited?.close();
				limited = undefined;
				await redis?.stop();
			}
		}, 40_000);
	}
});
