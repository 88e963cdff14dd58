import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { faults, proseEvents, sseScript } from '../support/fake-convai.js';
import type { CommandOption, FakeMessage, Interaction, UserInput } from '../support/fake-discord/index.js';
import { finalContents, startHarness, type Harness } from '../support/harness.js';

const ANN = { id: '1300000000000000001', username: 'ann', globalName: 'Ann' };
const BEN = { id: '1300000000000000002', username: 'ben', globalName: 'Ben' };
const MOD = { id: '1300000000000000003', username: 'mod', globalName: 'Mod' };
const MANAGE_GUILD = (1n << 5n).toString();
const EPHEMERAL = 64;
const LOADING = 128;
const STORE_UNAVAILABLE = 'The character store is unavailable right now. Please try again in a minute.';
// One server per scenario keeps their rosters apart on the shared bot.
const GUILD = { roster: '1400000000000000001', pages: '1400000000000000002', remove: '1400000000000000003', secret: '1400000000000000004', world: '1400000000000000005' };

let main: Harness;
let capped: Harness;
let outage: Harness;

beforeAll(async () => {
	[main, capped, outage] = await Promise.all([
		startHarness(),
		startHarness({ env: { MAX_CHARACTERS_PER_SERVER: '2' } }),
		// Nothing listens on port 1: every store call fails.
		startHarness({ env: { STORE_URL: 'redis://127.0.0.1:1' } }),
	]);
}, 30_000);
afterAll(async () => {
	await Promise.all([main, capped, outage].map((harness) => harness?.close()));
});

interface Run {
	interaction: Interaction;
	text: string;
}

/** A finished /backstory with a short (or given) story; resolves when the bot logged its end. */
async function generate(h: Harness, guildId: string, user: UserInput, name: string, options: { text?: string; private?: boolean; description?: string } = {}): Promise<Run> {
	const text = options.text ?? `${name} kept a ledger of debts owed to ${user.globalName}.`;
	h.scriptFor(name, sseScript(text.match(/\s*\S+/g) ?? []));
	const interaction = h.discord.sendCommand({
		name: 'backstory',
		guildId,
		user,
		options: [
			{ name: 'name', type: 3, value: name },
			{ name: 'description', type: 3, value: options.description ?? `A character called ${name}.` },
			...(options.private ? [{ name: 'private', type: 5, value: true }] : []),
		],
	});
	await h.finished(interaction);
	return { interaction, text };
}

/** Sends `/<command> <sub>` and resolves once the reply is final (not a loading deferral). */
async function run(h: Harness, guildId: string, user: UserInput, command: string, sub: string, options: CommandOption[] = [], extra: { memberPermissions?: string } = {}) {
	const interaction = h.discord.sendCommand({ name: command, guildId, user, options: [{ name: sub, type: 1, options }], ...extra });
	await h.discord.waitFor(() => {
		const first = h.discord.messagesOf(interaction.id)[0];
		return first !== undefined && (first.flags & LOADING) === 0;
	}, 5_000);
	return { interaction, first: h.discord.messagesOf(interaction.id)[0]! };
}

const named = (value: string): CommandOption[] => [{ name: 'name', type: 3, value }];
const itemLines = (message: FakeMessage) => message.content.split('\n').filter((line) => line.startsWith('- '));
const linkOf = (h: Harness, generated: Run) =>
	`https://discord.com/channels/${generated.interaction.payload.guild_id}/${generated.interaction.payload.channel_id}/${h.discord.messagesOf(generated.interaction.id)[0]!.id}`;

async function choices(h: Harness, guildId: string, user: UserInput, sub: string, prefix: string) {
	const interaction = h.discord.sendAutocomplete({ name: 'characters', guildId, user, options: [{ name: sub, type: 1, options: [{ name: 'name', type: 3, value: prefix, focused: true }] }] });
	await h.discord.waitFor(() => interaction.autocompleteChoices !== undefined);
	return interaction.autocompleteChoices as Array<{ name: string; value: string }>;
}

interface Button {
	custom_id: string;
	label: string;
	disabled?: boolean;
}
const buttonsOn = (message: FakeMessage) => (message.components as Array<{ components: Button[] }>).flatMap((row) => row.components);

describe('campaign memory: the saved roster', () => {
	let first: Run;
	let bob: Run;
	let latest: Run;

	beforeAll(async () => {
		first = await generate(main, GUILD.roster, ANN, 'Mindy');
		const long = proseEvents({ seed: 21, minChars: 4_500, maxChars: 5_000 });
		bob = await generate(main, GUILD.roster, BEN, 'Bob', { text: long.text });
		latest = await generate(main, GUILD.roster, ANN, 'Mindy', { text: 'The second Mindy never kept a ledger at all.' });
		// A failed backstory is not saved.
		main.scriptFor('Ghost', faults.htmlPage());
		await main.finished(main.discord.sendCommand({ name: 'backstory', guildId: GUILD.roster, user: ANN, options: [{ name: 'name', type: 3, value: 'Ghost' }, { name: 'description', type: 3, value: 'Gone.' }] }));
	}, 30_000);

	it('lists finished backstories newest first with author, date and link, and still after a restart', async () => {
		const { interaction, first: reply } = await run(main, GUILD.roster, BEN, 'characters', 'list');
		expect(interaction.callback!.type).toBe(4);
		expect(reply.flags & EPHEMERAL).toBe(0);
		expect(reply.content).toMatch(/page 1 of 1 · 3 characters/);
		const lines = itemLines(reply);
		const line = (name: string, author: string, style: string, run: Run) =>
			new RegExp(`^- \\*\\*${name}\\*\\* · by ${author} · <t:(\\d+):${style}> · \\[message\\]\\(<${linkOf(main, run).replace(/[/.]/g, '\\$&')}>\\)$`);
		expect(lines).toHaveLength(3);
		// The two Mindys also show their time, so they can be told apart.
		expect(lines[0]).toMatch(line('Mindy', 'Ann', 'f', latest));
		expect(lines[1]).toMatch(line('Bob', 'Ben', 'd', bob));
		expect(lines[2]).toMatch(line('Mindy', 'Ann', 'f', first));
		const unix = Number(/<t:(\d+):/.exec(lines[0]!)![1]);
		expect(Math.abs(unix - Date.now() / 1_000)).toBeLessThan(120);
		expect(reply.allowedMentions).toMatchObject({ parse: [] });

		await main.restartBot();
		const again = await run(main, GUILD.roster, BEN, 'characters', 'list');
		expect(again.first.content).toBe(reply.content);
		expect(main.discord.violations).toEqual([]);
	});

	it('autocompletes names in this server, telling same-named characters apart, with ids as values', async () => {
		const mindys = await choices(main, GUILD.roster, BEN, 'show', 'mi');
		expect(mindys).toHaveLength(2);
		for (const choice of mindys) expect(choice.name).toMatch(/^Mindy · \d{1,2} [A-Z][a-z]{2} \d{4} .+ · by Ann$/);
		expect(new Set(mindys.map((choice) => choice.name)).size).toBe(2);
		expect(new Set(mindys.map((choice) => choice.value)).size).toBe(2);
		const all = await choices(main, GUILD.roster, BEN, 'delete', '');
		expect(all.map((choice) => choice.name.split(' · ')[0])).toEqual(['Mindy', 'Bob', 'Mindy']);
		expect(await choices(main, GUILD.roster, BEN, 'show', 'zz')).toEqual([]);
		expect(await choices(main, GUILD.pages, BEN, 'show', 'mi')).toEqual([]);
	});

	it('shows the full text across messages, by typed name (newest, noted) or by a picked id', async () => {
		const shown = await run(main, GUILD.roster, ANN, 'characters', 'show', named('bob'));
		await main.discord.waitFor(() => finalContents(main.discord, shown.interaction).join('').endsWith(bob.text));
		const contents = finalContents(main.discord, shown.interaction);
		expect(contents.length).toBeGreaterThanOrEqual(3);
		for (const content of contents) expect(content.length).toBeLessThanOrEqual(2_000);
		const joined = contents.join('');
		// The header: name, details, and how to talk to the character (see test/e2e/talk.test.ts).
		expect(joined).toMatch(/^📜 \*\*Bob\*\*\n-# by Ben · <t:\d+:d> · \[original message\]\(<[^>]+>\)\n-# 💬 can talk: `\/talk`[^\n]*\n/);
		expect(joined.slice(joined.length - bob.text.length)).toBe(bob.text);
		const headerEnd = joined.indexOf('\n', joined.indexOf('\n', joined.indexOf('\n') + 1) + 1) + 1;
		expect(joined.length - bob.text.length).toBe(headerEnd);

		const typed = await run(main, GUILD.roster, ANN, 'characters', 'show', named('Mindy'));
		expect(typed.first.content).toContain('2 characters share this name; this is the newest');
		expect(typed.first.content.endsWith(latest.text)).toBe(true);
		const older = (await choices(main, GUILD.roster, ANN, 'show', 'Mindy'))[1]!;
		const picked = await run(main, GUILD.roster, ANN, 'characters', 'show', named(older.value));
		expect(picked.first.content.endsWith(first.text)).toBe(true);
		for (const message of main.discord.messagesOf(shown.interaction.id)) expect(message.allowedMentions).toMatchObject({ parse: [] });
		expect(main.discord.violations).toEqual([]);
	});

	it('exports the roster, or one character, as a Markdown attachment', async () => {
		const whole = await run(main, GUILD.roster, BEN, 'characters', 'export');
		expect(whole.first.flags & EPHEMERAL).toBe(EPHEMERAL);
		expect(whole.first.attachments.map((file) => file.filename)).toEqual(['characters.md']);
		const upload = main.discord.requests.find((request) => request.token === whole.interaction.token && request.files?.length);
		const markdown = upload!.files![0]!.data!.toString('utf8');
		expect(markdown.match(/^## Mindy$/gm)).toHaveLength(2);
		expect(markdown).toMatch(/^## Bob$/m);
		for (const text of [first.text, bob.text, latest.text]) expect(markdown).toContain(`\n\n${text}\n`);
		expect(markdown).toContain('- Author: Ben');
		expect(markdown).toContain('- Description: A character called Bob.');
		expect(markdown).toContain(`- Message: ${linkOf(main, bob)}`);
		expect(markdown).not.toContain('Ghost');

		const bobId = (await choices(main, GUILD.roster, BEN, 'export', 'bo'))[0]!.value;
		const one = await run(main, GUILD.roster, BEN, 'characters', 'export', named(bobId));
		const single = main.discord.requests.find((request) => request.token === one.interaction.token && request.files?.length)!;
		expect(single.files![0]!.filename).toBe('bob.md');
		const text = single.files![0]!.data!.toString('utf8');
		expect(text).toContain(bob.text);
		expect(text).not.toContain('Mindy');
		expect(main.discord.violations).toEqual([]);
	});
});

describe('campaign memory: pages, deletes and privacy', () => {
	it('pages ten at a time with Previous and Next buttons that work for anyone', async () => {
		await Promise.all(Array.from({ length: 11 }, (_, index) => generate(main, GUILD.pages, ANN, `Crew ${String(index + 1).padStart(2, '0')}`)));
		await generate(main, GUILD.pages, ANN, 'Captain');
		const { first: page1 } = await run(main, GUILD.pages, ANN, 'characters', 'list');
		expect(page1.content).toMatch(/page 1 of 2 · 12 characters/);
		const lines1 = itemLines(page1);
		expect(lines1).toHaveLength(10);
		expect(lines1[0]).toMatch(/^- \*\*Captain\*\*/);
		const [previous, next] = buttonsOn(page1);
		expect(previous).toMatchObject({ label: 'Previous', disabled: true });
		expect(next).toMatchObject({ label: 'Next', disabled: false, custom_id: `characters:page:2:${ANN.id}` });

		const click = main.discord.sendComponent({ customId: next!.custom_id, messageId: page1.id, user: BEN });
		await main.discord.waitFor(() => click.callback !== undefined);
		expect(click.callback!.type).toBe(7);
		const page2 = main.discord.messages.get(page1.id)!;
		expect(page2.content).toMatch(/page 2 of 2 · 12 characters/);
		const lines2 = itemLines(page2);
		expect(lines2).toHaveLength(2);
		const names = [...lines1, ...lines2].map((line) => /\*\*(.+?)\*\*/.exec(line)![1]);
		expect(new Set(names).size).toBe(12);
		expect(buttonsOn(page2).map((button) => button.disabled)).toEqual([false, true]);

		const back = main.discord.sendComponent({ customId: buttonsOn(page2)[0]!.custom_id, messageId: page1.id, user: ANN });
		await main.discord.waitFor(() => back.callback !== undefined);
		expect(main.discord.messages.get(page1.id)!.content).toBe(page1.content);
		expect(main.discord.violations).toEqual([]);
	});

	it('lets the author or a Manage Server member delete, refuses others, and asks to pick among same names', async () => {
		await generate(main, GUILD.remove, ANN, 'Doomed');
		await generate(main, GUILD.remove, ANN, 'Target');
		await generate(main, GUILD.remove, ANN, 'Twin');
		await generate(main, GUILD.remove, ANN, 'Twin');
		const names = async () => (await run(main, GUILD.remove, ANN, 'characters', 'list')).first.content;

		const refused = await run(main, GUILD.remove, BEN, 'characters', 'delete', named('Doomed'));
		expect(refused.first.flags & EPHEMERAL).toBe(EPHEMERAL);
		expect(refused.first.content).toBe('Only Ann, who wrote **Doomed**, or a member with Manage Server can delete it.');
		expect(await names()).toContain('**Doomed**');

		const byAuthor = await run(main, GUILD.remove, ANN, 'characters', 'delete', named('doomed'));
		expect(byAuthor.first.content).toMatch(/^🗑️ Deleted \*\*Doomed\*\* \(by Ann, /);
		expect(byAuthor.first.flags & EPHEMERAL).toBe(EPHEMERAL);
		expect(await names()).not.toContain('**Doomed**');

		const byModerator = await run(main, GUILD.remove, MOD, 'characters', 'delete', named('Target'), { memberPermissions: MANAGE_GUILD });
		expect(byModerator.first.content).toMatch(/^🗑️ Deleted \*\*Target\*\*/);
		expect(await names()).not.toContain('**Target**');

		const ambiguous = await run(main, GUILD.remove, ANN, 'characters', 'delete', named('Twin'));
		expect(ambiguous.first.content).toMatch(/^2 characters are called \*\*Twin\*\*\. Pick the one to delete from the suggestions/);
		const twinId = (await choices(main, GUILD.remove, ANN, 'delete', 'tw'))[0]!.value;
		await run(main, GUILD.remove, ANN, 'characters', 'delete', named(twinId));
		expect((await choices(main, GUILD.remove, ANN, 'delete', 'tw')).map((choice) => choice.value)).not.toContain(twinId);
		await run(main, GUILD.remove, ANN, 'characters', 'delete', named('Twin'));
		expect(await names()).toMatch(/^No characters are saved in this server yet\. Write one with `\/backstory/);
		expect(main.discord.violations).toEqual([]);
	});

	it("keeps a private backstory in its author's own list, out of everyone else's", async () => {
		await generate(main, GUILD.secret, ANN, 'Open');
		const hidden = await generate(main, GUILD.secret, ANN, 'Hidden', { private: true });

		const forBen = await run(main, GUILD.secret, BEN, 'characters', 'list');
		expect(forBen.first.flags & EPHEMERAL).toBe(0);
		expect(itemLines(forBen.first)).toEqual([expect.stringMatching(/^- \*\*Open\*\*/)]);
		expect(await choices(main, GUILD.secret, BEN, 'show', '')).toHaveLength(1);
		const probe = await run(main, GUILD.secret, BEN, 'characters', 'show', named('Hidden'));
		expect(probe.first.content).toMatch(/^No character called "Hidden"/);

		const forAnn = await run(main, GUILD.secret, ANN, 'characters', 'list');
		expect(forAnn.first.flags & EPHEMERAL).toBe(EPHEMERAL);
		expect(itemLines(forAnn.first)[0]).toMatch(/^- 🔒 \*\*Hidden\*\* · by Ann · <t:\d+:d>$/);
		expect(itemLines(forAnn.first)).toHaveLength(2);
		const shown = await run(main, GUILD.secret, ANN, 'characters', 'show', named('Hidden'));
		expect(shown.first.flags & EPHEMERAL).toBe(EPHEMERAL);
		expect(shown.first.content.endsWith(hidden.text)).toBe(true);
		expect(main.discord.violations).toEqual([]);
	});
});

describe('campaign memory: the world setting', () => {
	it('lets only Manage Server set it, sends it upstream with every /backstory, and clears it', async () => {
		const world = 'A drowned city ruled by lamplighters.';
		const refused = await run(main, GUILD.world, BEN, 'setting', 'set', [{ name: 'text', type: 3, value: world }]);
		expect(refused.first.flags & EPHEMERAL).toBe(EPHEMERAL);
		expect(refused.first.content).toMatch(/^Only members with the Manage Server permission can change the world setting/);
		expect((await run(main, GUILD.world, BEN, 'setting', 'show')).first.content).toMatch(/^This server has no world setting/);

		const saved = await run(main, GUILD.world, MOD, 'setting', 'set', [{ name: 'text', type: 3, value: world }], { memberPermissions: MANAGE_GUILD });
		expect(saved.first.content).toContain(`> ${world}`);
		const shown = await run(main, GUILD.world, BEN, 'setting', 'show');
		expect(shown.first.flags & EPHEMERAL).toBe(0);
		expect(shown.first.content).toContain(`> ${world}`);

		const envoy = await generate(main, GUILD.world, BEN, 'Envoy', { description: 'A nervous diplomat.' });
		const upstream = (name: string) => main.convai.requests.filter((request) => request.form.charName === name).at(-1)!.form;
		expect(upstream('Envoy').inputText).toBe(`A nervous diplomat.\n\nWorld setting: ${world}`);
		expect(finalContents(main.discord, envoy.interaction)[0]).toMatch(/^📜 \*\*Envoy\*\*\n-# 🌍 written for this server's world setting\n/);

		const cleared = await run(main, GUILD.world, MOD, 'setting', 'clear', [], { memberPermissions: MANAGE_GUILD });
		expect(cleared.first.content).toMatch(/^🌍 World setting cleared/);
		const plain = await generate(main, GUILD.world, BEN, 'Courier', { description: 'A fast runner.' });
		expect(upstream('Courier').inputText).toBe('A fast runner.');
		expect(finalContents(main.discord, plain.interaction)[0]).not.toContain('world setting');
		expect(main.discord.violations).toEqual([]);
	});
});

describe('campaign memory: limits and outages', () => {
	const ephemeralNotes = (h: Harness, interaction: Interaction) =>
		h.discord.messagesOf(interaction.id).filter((message) => !message.isOriginal && (message.flags & EPHEMERAL) !== 0);

	it('tells the author, privately, when the roster is full', async () => {
		const runs = [];
		for (const name of ['One', 'Two', 'Three']) runs.push(await generate(capped, GUILD.roster, ANN, name));
		const third = runs[2]!.interaction;
		await capped.discord.waitFor(() => ephemeralNotes(capped, third).length > 0);
		expect(ephemeralNotes(capped, third)[0]!.content).toMatch(/^This backstory was not saved: this server's roster is full \(2 characters\)\./);
		expect(ephemeralNotes(capped, runs[1]!.interaction)).toEqual([]);
		expect(itemLines((await run(capped, GUILD.roster, ANN, 'characters', 'list')).first)).toHaveLength(2);
		expect(capped.discord.violations).toEqual([]);
	});

	it('/usage says plainly, and privately, that the counts are unavailable while the store is down', async () => {
		const usage = outage.discord.sendCommand({ name: 'usage', guildId: GUILD.roster, user: MOD, memberPermissions: MANAGE_GUILD });
		await outage.discord.waitFor(() => {
			const first = outage.discord.messagesOf(usage.id)[0];
			return first !== undefined && (first.flags & LOADING) === 0;
		}, 10_000);
		const reply = outage.discord.messagesOf(usage.id)[0]!;
		expect(reply.content).toBe('⚠️ The usage counts are unavailable right now (the store does not answer). Please try again in a minute.');
		expect(reply.flags & EPHEMERAL).toBe(EPHEMERAL);
		expect(usage.callback!.at - usage.createdAt).toBeLessThan(3_000);
		expect(outage.discord.violations).toEqual([]);
	});

	it('still streams the story when the store is down, and answers store commands fast and clearly', async () => {
		const story = proseEvents({ seed: 5, minChars: 2_500, maxChars: 3_000 });
		const written = await generate(outage, GUILD.roster, ANN, 'Survivor', { text: story.text });
		await outage.discord.waitFor(() => ephemeralNotes(outage, written.interaction).length > 0);
		const shown = outage.discord.messagesOf(written.interaction.id).filter((message) => (message.flags & EPHEMERAL) === 0);
		expect(shown.map((message) => message.content).join('')).toBe(`📜 **Survivor**\n${story.text}`);
		expect(ephemeralNotes(outage, written.interaction)[0]!.content).toMatch(/could not be saved.*unavailable/);

		for (const [command, sub] of [['characters', 'list'], ['setting', 'show']] as const) {
			const { interaction, first: reply } = await run(outage, GUILD.roster, ANN, command, sub);
			expect(reply.content).toBe(STORE_UNAVAILABLE);
			expect(reply.flags & EPHEMERAL).toBe(EPHEMERAL);
			expect(interaction.callback!.at - interaction.createdAt).toBeLessThan(3_000);
		}

		// Regenerate needs the stored inputs: with the store down it says so, within Discord's 3 s.
		const last = shown.at(-1)!;
		const [row] = last.components as Array<{ components: Array<{ custom_id: string }> }>;
		const click = outage.discord.sendComponent({ customId: row!.components[0]!.custom_id, messageId: last.id, user: ANN });
		await outage.discord.waitFor(() => click.callback !== undefined);
		expect(click.callback!.type).toBe(4);
		expect(click.callback!.data.flags & EPHEMERAL).toBe(EPHEMERAL);
		expect(click.callback!.data.content).toMatch(/^The character store is unavailable right now, so this cannot be regenerated/);
		expect(click.callback!.at - click.createdAt).toBeLessThan(3_000);
		expect(outage.discord.violations).toEqual([]);
	});
});
