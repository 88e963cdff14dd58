import { afterEach, describe, expect, it } from 'vitest';
import { sseScript } from '../support/fake-convai.js';
import type { Interaction, UserInput } from '../support/fake-discord/index.js';
import { GUILD_ID, startHarness, type Harness } from '../support/harness.js';
import { ORDINARY_PROMPTS } from '../fixtures/ordinary-prompts.js';

const ANN = { id: '1500000000000000001', username: 'ann', globalName: 'Ann' };
const BEN = { id: '1500000000000000002', username: 'ben', globalName: 'Ben' };
const CAL = { id: '1500000000000000003', username: 'cal', globalName: 'Cal' };
const MOD = { id: '1500000000000000004', username: 'mod', globalName: 'Mod' };
const MANAGE_SERVER = (1n << 5n).toString();
const EPHEMERAL = 64;
const DAY_MS = 86_400_000;

describe('guarding the Convai key end to end: screening, daily quotas, /usage', () => {
	let harness: Harness | undefined;
	afterEach(async () => {
		await harness?.close();
		harness = undefined;
	});

	function backstory(h: Harness, user: UserInput, name: string, description: string, extra: { memberPermissions?: string; locale?: string } = {}): Interaction {
		h.scriptFor(name, sseScript([`${name} has a past.`]));
		return h.startBackstory(name, description, { user, ...extra });
	}

	/** The bot's immediate private answer (no defer, no Convai call); returns its text. */
	async function privateRefusal(h: Harness, interaction: Interaction): Promise<string> {
		await h.discord.waitFor(() => interaction.callback !== undefined);
		expect(interaction.callback!.type).toBe(4);
		expect(interaction.callback!.data.flags & EPHEMERAL).toBe(EPHEMERAL);
		expect(interaction.callback!.data.allowed_mentions).toMatchObject({ parse: [] });
		return interaction.callback!.data.content as string;
	}

	/** The `<t:…:R>` in a refusal, in ms. */
	const resetOf = (text: string): number => Number(/<t:(\d+):R>/.exec(text)?.[1]) * 1_000;
	const nextUtcMidnight = (): number => Math.floor(Date.now() / DAY_MS) * DAY_MS + DAY_MS;

	it('refuses a built-in term, an obfuscated one and a BLOCKED_TERMS word privately, with no upstream request', async () => {
		harness = await startHarness({ env: { COOLDOWN_SECONDS: '30' } });
		const h = harness;
		const admin = { memberPermissions: MANAGE_SERVER };
		// Before the owner blocks "order", one backstory is written: its Regenerate comes later.
		const tom = backstory(h, CAL, 'Tom', 'A knight of the Silver Order.', admin);
		await h.finished(tom);
		await h.restartBot({ BLOCKED_TERMS: 'Voldemort, dark lord, order' });
		const upstreamBefore = h.convai.requests.length;

		const cases: Array<[UserInput, string, string]> = [
			[ANN, 'Aria', 'A bard who tells every lord to go fuck himself.'],
			[BEN, 'Brand', 'Smuggler of sh1t-tier ale across the border.'],
			[MOD, 'Thorn', 'Lieutenant of the Dark  Lord, keeper of the keys.'],
		];
		for (const [user, name, description] of cases) {
			const text = await privateRefusal(h, backstory(h, user, name, description));
			expect(text).toMatch(/^🚫 This was not sent\. It contains words this bot does not send to Convai/);
			expect(text.toLowerCase()).not.toMatch(/fuck|sh1t|dark lord/);
		}

		// Regenerate is screened too: the owner has since blocked a word of Tom's description.
		const last = h.discord.messagesOf(tom.id).at(-1)!;
		const [row] = last.components as Array<{ components: Array<{ custom_id: string }> }>;
		const regen = h.discord.sendComponent({ customId: row!.components[0]!.custom_id, messageId: last.id, user: CAL, ...admin });
		expect(await privateRefusal(h, regen)).toMatch(/^🚫 This was not sent/);

		// So is a world setting, which would go to Convai with every backstory: not saved.
		const setting = h.discord.sendCommand({
			name: 'setting',
			guildId: GUILD_ID,
			user: MOD,
			...admin,
			options: [{ name: 'set', type: 1, options: [{ name: 'text', type: 3, value: 'Voldemort rules the northern wastes.' }] }],
		});
		expect(await privateRefusal(h, setting)).toMatch(/^🚫 This was not sent/);
		const show = h.discord.sendCommand({ name: 'setting', guildId: GUILD_ID, user: MOD, options: [{ name: 'show', type: 1 }] });
		await h.discord.waitFor(() => show.callback !== undefined);
		expect(show.callback!.data.content).toMatch(/has no world setting/);

		// A blocked input counts toward the cooldown: Ann's next, ordinary command waits.
		expect(await privateRefusal(h, backstory(h, ANN, 'Aria', 'A bard from the south.'))).toMatch(/a moment ago.*<t:\d+:R>/);
		expect(h.convai.requests.length).toBe(upstreamBefore);

		// The log names the user and the command, never the text.
		const blocked = h.bot.logs().filter((entry) => entry.msg === 'input blocked');
		expect(blocked.map((entry) => [entry.userId, entry.command])).toEqual([
			[ANN.id, '/backstory'],
			[BEN.id, '/backstory'],
			[MOD.id, '/backstory'],
			[CAL.id, 'backstory:regen'],
			[MOD.id, '/setting set'],
		]);
		const output = h.bot.lines.join('\n').toLowerCase();
		for (const word of ['fuck', 'sh1t', 'dark  lord', 'voldemort rules']) expect(output).not.toContain(word);
	});

	it('lets fifty ordinary worldbuilding prompts and the dark-fantasy phrases through to Convai', async () => {
		harness = await startHarness();
		const h = harness;
		const prompts = [
			...ORDINARY_PROMPTS,
			['Gord', 'Carries a bastard sword.'],
			['Orla', 'A cursed orphan.'],
			['Hale', 'Survivor of a bloody siege.'],
		] as const;
		const sent = prompts.map(([name, description]) => backstory(h, ANN, name, description));
		const finished = await Promise.all(sent.map((interaction) => h.finished(interaction, 60_000)));
		expect(finished.map((entry) => entry.outcome)).toEqual(prompts.map(() => 'complete'));
		expect(h.convai.requests.map((request) => request.form.charName).sort()).toEqual(prompts.map(([name]) => name).sort());
		expect(h.bot.logs().filter((entry) => entry.msg === 'input blocked')).toEqual([]);
	}, 90_000);

	it("refuses a user's third generation with DAILY_GENERATIONS_PER_USER=2 until the next UTC midnight, also after a restart", async () => {
		harness = await startHarness({ env: { DAILY_GENERATIONS_PER_USER: '2' } });
		const h = harness;
		await h.finished(backstory(h, ANN, 'One', 'First.'));
		await h.finished(backstory(h, ANN, 'Two', 'Second.'));
		const refused = await privateRefusal(h, backstory(h, ANN, 'Three', 'Third.'));
		expect(refused).toMatch(/^You have reached your daily limit of backstories \(2 per person\)\. The count starts again <t:\d+:R> \(midnight UTC\)\.$/);
		expect(resetOf(refused)).toBe(nextUtcMidnight());
		expect(h.convai.requests).toHaveLength(2);
		// Someone else still can.
		await h.finished(backstory(h, BEN, 'Other', 'Not Ann.'));

		await h.restartBot();
		const again = await privateRefusal(h, backstory(h, ANN, 'Four', 'Fourth.'));
		expect(again).toMatch(/^You have reached your daily limit of backstories \(2 per person\)/);
		expect(resetOf(again)).toBe(nextUtcMidnight());
		expect(h.convai.requests).toHaveLength(3);
	});

	it('exempts a Manage Server member from the per-user quota but not from the server quota', async () => {
		harness = await startHarness({ env: { DAILY_GENERATIONS_PER_USER: '1', DAILY_GENERATIONS_PER_GUILD: '3' } });
		const h = harness;
		const admin = { memberPermissions: MANAGE_SERVER };
		for (const name of ['Alpha', 'Beta', 'Gamma']) await h.finished(backstory(h, MOD, name, 'By a moderator.', admin));
		const plain = await privateRefusal(h, backstory(h, ANN, 'Delta', 'Ann has not written any yet.'));
		expect(plain).toMatch(/^This server has reached its daily limit of backstories \(3 for the server\)\. The count starts again <t:\d+:R>/);
		const moderator = await privateRefusal(h, backstory(h, MOD, 'Epsilon', 'One more.', admin));
		expect(moderator).toMatch(/^This server has reached its daily limit of backstories \(3 for the server\)/);
		expect(resetOf(moderator)).toBe(nextUtcMidnight());
		expect(h.convai.requests).toHaveLength(3);
	});

	it('screens /talk messages and counts them against DAILY_TALKS_PER_USER, freeing the running slot on refusal; /usage shows the talks', async () => {
		// One running request per person: a refusal that kept its slot would block Ann's next talk.
		harness = await startHarness({ env: { DAILY_TALKS_PER_USER: '2', MAX_RUNNING_PER_USER: '1' } });
		const h = harness;
		const mindy = backstory(h, BEN, 'Mindy', 'Innkeeper of the Crooked Crown.');
		await h.finished(mindy);
		await h.bot.waitForLog((entry) => entry.msg === 'backstory finished' && entry.interactionId === mindy.id);
		const characterCalls = () => h.convai.requests.filter((request) => request.path !== '/character/generate-backstory');
		const talk = (user: UserInput, message: string) =>
			h.discord.sendCommand({ name: 'talk', guildId: GUILD_ID, user, options: [{ name: 'character', type: 3, value: 'Mindy' }, { name: 'message', type: 3, value: message }] });
		const answered = (interaction: Interaction) => h.bot.waitForLog((entry) => entry.msg === 'talk answered' && entry.interactionId === interaction.id);

		const blocked = await privateRefusal(h, talk(ANN, 'Tell that fucking barkeep I said hi.'));
		expect(blocked).toMatch(/^🚫 This was not sent\. It contains words this bot does not send to Convai/);
		expect(characterCalls()).toEqual([]);
		expect(h.bot.logs().filter((entry) => entry.msg === 'input blocked').map((entry) => [entry.userId, entry.command])).toEqual([[ANN.id, '/talk']]);

		await answered(talk(ANN, 'What did you see last night?'));
		await answered(talk(ANN, 'And the stranger?'));
		const asked = () => characterCalls().filter((request) => request.path === '/character/getResponse').length;
		expect(asked()).toBe(2);
		const third = await privateRefusal(h, talk(ANN, 'One more thing.'));
		expect(third).toMatch(/^You have reached your daily limit of messages to characters \(2 per person\)\. The count starts again <t:\d+:R> \(midnight UTC\)\.$/);
		expect(resetOf(third)).toBe(nextUtcMidnight());
		expect(asked()).toBe(2);
		// The talk quota is its own: Ben still talks, and Ann may still write a backstory.
		await answered(talk(BEN, 'Hello, Mindy.'));
		await h.finished(backstory(h, ANN, 'Aria', 'A bard from the south.'));

		const usage = h.discord.sendCommand({ name: 'usage', guildId: GUILD_ID, user: MOD, memberPermissions: MANAGE_SERVER });
		await h.discord.waitFor(() => h.discord.messagesOf(usage.id)[0]?.history.some((state) => (state.flags & 128) === 0) ?? false);
		const lines = h.discord.messagesOf(usage.id)[0]!.content.split('\n');
		expect(lines).toContain('Talk messages: 3');
		expect(lines).toContain('Inputs blocked before reaching Convai: 1');
		expect(lines).toContain('-# Per person and day: backstories: no limit, talk messages: 2. Members with Manage Server are exempt from the per-person limits.');
		expect(lines.slice(lines.indexOf('**Most talk messages**') + 1)).toEqual(['1. Ann: 2', '2. Ben: 1']);
		expect(h.discord.violations).toEqual([]);
	}, 60_000);

	it("answers a blocked input in the person's own language", async () => {
		harness = await startHarness();
		const h = harness;
		const refused = await privateRefusal(h, backstory(h, ANN, 'Aria', 'A bard who tells every lord to go fuck himself.', { locale: 'de' }));
		expect(refused).toMatch(/^🚫 Das wurde nicht gesendet\. Es enthält Wörter, die dieser Bot nicht an Convai schickt/);
		expect(h.convai.requests).toEqual([]);
	});

	it('/usage shows the counts to Manage Server members only, privately and without pings', async () => {
		harness = await startHarness({ env: { DAILY_GENERATIONS_PER_USER: '5', DAILY_GENERATIONS_PER_GUILD: '200' } });
		const h = harness;
		const registered = (h.discord.commands.guild.get(GUILD_ID) as Array<Record<string, unknown>> | undefined)?.find((command) => command['name'] === 'usage');
		expect(registered?.['default_member_permissions']).toBe(MANAGE_SERVER);

		const ann = { ...ANN, globalName: 'Ann @everyone' };
		await h.finished(backstory(h, ann, 'A1', 'First.'));
		await h.finished(backstory(h, ann, 'A2', 'Second.'));
		await h.finished(backstory(h, BEN, 'B1', 'Only one.'));
		await privateRefusal(h, backstory(h, BEN, 'B2', 'What the fuck.'));

		const usage = h.discord.sendCommand({ name: 'usage', guildId: GUILD_ID, user: MOD, memberPermissions: MANAGE_SERVER });
		await h.discord.waitFor(() => h.discord.messagesOf(usage.id)[0]?.history.some((state) => (state.flags & 128) === 0) ?? false);
		const reply = h.discord.messagesOf(usage.id)[0]!;
		expect(reply.flags & EPHEMERAL).toBe(EPHEMERAL);
		expect(reply.allowedMentions).toMatchObject({ parse: [] });
		const lines = reply.content.split('\n');
		expect(lines[0]).toMatch(/^📊 \*\*Usage today\*\* \(UTC day; the counts start again <t:\d+:R>\)$/);
		expect(resetOf(lines[0]!)).toBe(nextUtcMidnight());
		expect(lines).toContain('Backstories: 3 / 200 (server quota)');
		expect(lines).toContain('Talk messages: 0');
		expect(lines).toContain('Inputs blocked before reaching Convai: 1');
		expect(lines).toContain('-# Per person and day: backstories: 5, talk messages: no limit. Members with Manage Server are exempt from the per-person limits.');
		const most = lines.indexOf('**Most backstories**');
		expect(lines.slice(most + 1, most + 3)).toEqual(['1. Ann @everyone: 2', '2. Ben: 1']);
		expect(lines.slice(lines.indexOf('**Most talk messages**') + 1)).toEqual(['-# nobody yet today']);

		const refused = h.discord.sendCommand({ name: 'usage', guildId: GUILD_ID, user: ANN });
		expect(await privateRefusal(h, refused)).toBe('Only members with the Manage Server permission can see this server’s usage.');
		expect(h.discord.violations).toEqual([]);
	});
});
