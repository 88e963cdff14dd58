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

	function backstory(h: Harness, user: UserInput, name: string, description: string, extra: { memberPermissions?: string } = {}): Interaction {
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
		expect(refused).toMatch(/^You have used your 2 backstories for today \(the daily limit per person\)\. The count starts again <t:\d+:R> \(midnight UTC\)\.$/);
		expect(resetOf(refused)).toBe(nextUtcMidnight());
		expect(h.convai.requests).toHaveLength(2);
		// Someone else still can.
		await h.finished(backstory(h, BEN, 'Other', 'Not Ann.'));

		await h.restartBot();
		const again = await privateRefusal(h, backstory(h, ANN, 'Four', 'Fourth.'));
		expect(again).toMatch(/^You have used your 2 backstories for today/);
		expect(resetOf(again)).toBe(nextUtcMidnight());
		expect(h.convai.requests).toHaveLength(3);
	});

	it('exempts a Manage Server member from the per-user quota but not from the server quota', async () => {
		harness = await startHarness({ env: { DAILY_GENERATIONS_PER_USER: '1', DAILY_GENERATIONS_PER_GUILD: '3' } });
		const h = harness;
		const admin = { memberPermissions: MANAGE_SERVER };
		for (const name of ['Alpha', 'Beta', 'Gamma']) await h.finished(backstory(h, MOD, name, 'By a moderator.', admin));
		const plain = await privateRefusal(h, backstory(h, ANN, 'Delta', 'Ann has not written any yet.'));
		expect(plain).toMatch(/^This server has used its 3 backstories for today \(the daily limit for the server\)\. The count starts again <t:\d+:R>/);
		const moderator = await privateRefusal(h, backstory(h, MOD, 'Epsilon', 'One more.', admin));
		expect(moderator).toMatch(/^This server has used its 3 backstories for today/);
		expect(resetOf(moderator)).toBe(nextUtcMidnight());
		expect(h.convai.requests).toHaveLength(3);
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
		expect(lines).toContain('Backstories: 3 / 200 server quota');
		expect(lines).toContain('Talk messages: 0');
		expect(lines).toContain('Inputs blocked before reaching Convai: 1');
		expect(lines).toContain('-# Per person and day: 5 backstories, talk messages: no limit. Members with Manage Server are exempt from the per-person limits.');
		const most = lines.indexOf('**Most backstories**');
		expect(lines.slice(most + 1, most + 3)).toEqual(['1. Ann @everyone: 2', '2. Ben: 1']);
		expect(lines.slice(lines.indexOf('**Most talk messages**') + 1)).toEqual(['-# nobody yet today']);

		const refused = h.discord.sendCommand({ name: 'usage', guildId: GUILD_ID, user: ANN });
		expect(await privateRefusal(h, refused)).toBe('Only members with the Manage Server permission can see this server’s usage.');
		expect(h.discord.violations).toEqual([]);
	});
});
