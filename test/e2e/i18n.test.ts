import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { faults, proseEvents, sseScript } from '../support/fake-convai.js';
import type { CommandOption, FakeMessage, UserInput } from '../support/fake-discord/index.js';
import { allStates, finalContents, GUILD_ID, startHarness, storyText, writesToFirstMessage, type Harness } from '../support/harness.js';

/**
 * The bot speaks the player's language: the UI around a story (writing line, buttons, refusals,
 * errors) in the asker's Discord language, public notices in the server's, the story untouched.
 */

const HANS = { id: '1300000000000000001', username: 'hans', globalName: 'Hans' };
const AKI = { id: '1300000000000000002', username: 'aki', globalName: 'Aki' };
const MIN = { id: '1300000000000000003', username: 'min', globalName: 'Min' };
const MODERATOR = { id: '1300000000000000004', username: 'mod', globalName: 'Moderatorin' };
const MANAGE_MESSAGES = (1n << 13n).toString();
const MANAGE_SERVER = (1n << 5n).toString();
const LOADING = 1 << 7;

type Button = { label: string; custom_id: string };
const buttonsOn = (message: FakeMessage | undefined): Button[] =>
	((message?.components ?? []) as Array<{ components: Button[] }>).flatMap((row) => row.components);

describe('speaking the player language (built bot, fake Discord, fake Convai)', () => {
	let harness: Harness;
	/** The German story, compared byte for byte wherever it shows up again. */
	let kapitan = '';

	beforeAll(async () => {
		harness = await startHarness({ env: { COOLDOWN_SECONDS: '0', MAX_RUNNING_PER_USER: '1' } });
	});
	afterAll(async () => {
		await harness?.close();
	});

	function startStory(name: string, user: UserInput, locale: string, options: { slow?: boolean; guildLocale?: string } = {}) {
		const story = proseEvents({ seed: name.length, minChars: options.slow ? 3_000 : 500, maxChars: options.slow ? 3_400 : 600 });
		harness.scriptFor(name, sseScript(story.events, options.slow ? { delayMs: 50, chunkSize: 40 } : { delayMs: 2 }));
		const interaction = harness.startBackstory(name, 'Ein Seemann.', { user, locale, ...(options.guildLocale ? { guildLocale: options.guildLocale } : {}) });
		return { interaction, story };
	}

	async function command(user: UserInput, locale: string, name: string, sub: string, options: CommandOption[] = [], extra: Record<string, unknown> = {}) {
		const interaction = harness.discord.sendCommand({ name, guildId: GUILD_ID, user, locale, options: [{ name: sub, type: 1, options }], ...extra });
		await harness.discord.waitFor(() => {
			const first = harness.discord.messagesOf(interaction.id)[0];
			return (first !== undefined && (first.flags & LOADING) === 0) || interaction.callback?.type === 4;
		});
		return interaction.callback?.type === 4 ? (interaction.callback.data.content as string) : harness.discord.messagesOf(interaction.id)[0]!.content;
	}

	it('registers every command with its names and descriptions in each language, and skips an unchanged second start', async () => {
		const registered = harness.discord.commands.guild.get(GUILD_ID) as Array<Record<string, any>>;
		const backstory = registered.find((entry) => entry.name === 'backstory')!;
		expect(backstory.name_localizations).toMatchObject({ de: 'vorgeschichte', fr: 'historique', 'es-ES': 'trasfondo', 'pt-BR': 'história', pl: 'historia', ja: '経歴' });
		expect(backstory.description_localizations.de).toMatch(/Vorgeschichte/);
		expect(backstory.options[0].name_localizations.ja).toBe('名前');
		const characters = registered.find((entry) => entry.name === 'characters')!;
		expect(characters.options.find((option: any) => option.name === 'list').name_localizations.ja).toBe('一覧');
		expect(harness.discord.violations).toEqual([]);

		const puts = harness.discord.commands.putCount;
		await harness.restartBot();
		expect(harness.discord.commands.putCount).toBe(puts);
		expect(harness.bot.logs().some((entry) => entry.msg === 'slash commands already up to date')).toBe(true);
	});

	it("shows a German user's /backstory in German around the unchanged story", async () => {
		const { discord } = harness;
		const { interaction, story } = startStory('Kapitän', HANS, 'de', { slow: true });
		await discord.waitFor(() => writesToFirstMessage(discord, interaction) >= 2, 10_000);
		const writing = discord.messagesOf(interaction.id).at(-1)!;
		expect(writing.content).toMatch(/\n\n-# ✍️ schreibt…$/);
		expect(buttonsOn(writing).map((button) => button.label)).toEqual(['Stopp']);

		// The fair-use refusal of a second story while the first is written, privately, in German.
		const second = harness.startBackstory('Zweiter', 'Noch einer.', { user: HANS, locale: 'de' });
		await discord.waitFor(() => second.callback !== undefined);
		expect(second.callback!.data.flags & 64).toBe(64);
		expect(second.callback!.data.content).toMatch(/^Für dich läuft schon etwas \(eine Vorgeschichte oder die Antwort eines Charakters\)\. .*Stopp.* Die nächste kannst du <t:\d+:R> starten\.$/);

		await harness.finished(interaction);
		expect(storyText(discord, interaction, '📜 **Kapitän**\n')).toBe(story.text);
		kapitan = story.text;
		const last = discord.messagesOf(interaction.id).at(-1)!;
		expect(buttonsOn(last).map((button) => button.label)).toEqual(['Neu schreiben']);
		for (const state of allStates(discord.messagesOf(interaction.id))) expect(state.content).not.toMatch(/writing…/);
	});

	it('explains a Convai error to a German user in German', async () => {
		harness.scriptFor('Überlastet', faults.rateLimited());
		const interaction = harness.startBackstory('Überlastet', 'Egal.', { user: HANS, locale: 'de' });
		await harness.finished(interaction);
		expect(finalContents(harness.discord, interaction)).toEqual(['⚠️ Convai ist gerade ausgelastet (Ratenlimit). Versuch es in einer Minute noch mal.']);
	});

	it("lists the roster for a Japanese user in Japanese", async () => {
		const content = await command(AKI, 'ja', 'characters', 'list');
		expect(content).toMatch(/^📚 \*\*このサーバーのキャラクター\*\* · 1\/1ページ · \d+人\n/);
		expect(content).toMatch(/\*\*Kapitän\*\* · 作成：Hans · <t:\d+:d>/);
	});

	it('exports the roster for a Polish user with Polish headings and plural forms, the stories untouched', async () => {
		const interaction = harness.discord.sendCommand({ name: 'characters', guildId: GUILD_ID, user: AKI, locale: 'pl', options: [{ name: 'export', type: 1, options: [] }] });
		await harness.discord.waitFor(() => harness.discord.messagesOf(interaction.id)[0]?.attachments.length === 1);
		const reply = harness.discord.messagesOf(interaction.id)[0]!;
		expect(reply.content).toMatch(/^📦 1 postać w formacie Markdown\.$/);
		const upload = harness.discord.requests.find((request) => request.token === interaction.token && request.files?.length);
		const markdown = upload!.files![0]!.data!.toString('utf8');
		expect(markdown).toMatch(/^Wyeksportowano \d{4}-\d\d-\d\d \d\d:\d\d UTC: 1 postać\.$/m);
		expect(markdown).toContain('- Autor: Hans');
		expect(markdown).toContain('- Opis: Ein Seemann.');
		expect(markdown).toContain(`\n\n${kapitan}\n`);
	});

	it('falls back to English for a language the bot lacks (ko)', async () => {
		const { discord } = harness;
		const { interaction } = startStory('Seoul', MIN, 'ko', { slow: true });
		await discord.waitFor(() => writesToFirstMessage(discord, interaction) >= 2, 10_000);
		const writing = discord.messagesOf(interaction.id).at(-1)!;
		expect(writing.content).toMatch(/\n\n-# ✍️ writing…$/);
		expect(buttonsOn(writing).map((button) => button.label)).toEqual(['Stop']);
		const second = harness.startBackstory('Busan', 'Another.', { user: MIN, locale: 'ko' });
		await discord.waitFor(() => second.callback !== undefined);
		expect(second.callback!.data.content).toMatch(/^You already have something running \(a backstory being written or a character answering\)\./);
		await harness.finished(interaction);
	});

	it("ends a public story stopped by a moderator with a notice in the server's language, not the asker's", async () => {
		const { discord } = harness;
		const { interaction } = startStory('Marin', HANS, 'de', { slow: true, guildLocale: 'fr' });
		await discord.waitFor(() => writesToFirstMessage(discord, interaction) >= 2, 10_000);
		const message = discord.messagesOf(interaction.id).at(-1)!;
		discord.sendComponent({ customId: buttonsOn(message)[0]!.custom_id, messageId: message.id, user: MODERATOR, memberPermissions: MANAGE_MESSAGES, locale: 'ja' });
		await harness.finished(interaction);
		expect(finalContents(discord, interaction).at(-1)).toMatch(/\n\n\*arrêté par Moderatorin\*$/);
	});

	it('/setting language pins the language of public notices, and auto unpins it', async () => {
		const { discord } = harness;
		const pinned = await command(HANS, 'de', 'setting', 'language', [{ name: 'language', type: 3, value: 'pl' }], { memberPermissions: MANAGE_SERVER });
		expect(pinned).toMatch(/^🗣️ Öffentliche Hinweise .* auf Polski\./);

		const { interaction } = startStory('Kasia', HANS, 'de', { slow: true, guildLocale: 'fr' });
		await discord.waitFor(() => writesToFirstMessage(discord, interaction) >= 2, 10_000);
		const message = discord.messagesOf(interaction.id).at(-1)!;
		expect(message.content).toMatch(/schreibt…$/);
		discord.sendComponent({ customId: buttonsOn(message)[0]!.custom_id, messageId: message.id, user: HANS, locale: 'de' });
		await harness.finished(interaction);
		expect(finalContents(discord, interaction).at(-1)).toMatch(/\n\n\*zatrzymane przez Hans\*$/);

		const refused = await command(AKI, 'ja', 'setting', 'language', [{ name: 'language', type: 3, value: 'auto' }]);
		expect(refused).toMatch(/^世界観を変更できるのは「サーバー管理」権限/);
		const unpinned = await command(AKI, 'ja', 'setting', 'language', [{ name: 'language', type: 3, value: 'auto' }], { memberPermissions: MANAGE_SERVER, guildLocale: 'es-ES' });
		expect(unpinned).toMatch(/Discordのサーバー言語（現在はEspañol）/);
	});
});
