import {
	ApplicationCommandOptionType,
	escapeMarkdown,
	MessageFlags,
	PermissionFlagsBits,
	type AutocompleteInteraction,
	type ButtonInteraction,
	type ChatInputCommandInteraction,
} from 'discord.js';
import type { Command, CommandContext } from '../src/interactions/command.js';
import { SERVER_ONLY } from '../src/discord/command-scope.js';
import {
	characterHeader,
	exportFileName,
	exportMarkdown,
	listContent,
	nameChoices,
	pageButtons,
	sameNameNote,
	shortDate,
	talkNote,
} from '../src/discord/character-views.js';
import { NO_MENTIONS } from '../src/discord/reply-target.js';
import { findCharacter, listPage, loadAll, searchNames, type Viewer } from '../src/discord/roster.js';
import { asUserFacing } from '../src/discord/store-errors.js';
import { UserFacingError } from '../src/interactions/errors.js';
import { splitText } from '../src/render/split.js';
import { settleWithin } from '../src/store/settle-within.js';
import { voiceName } from '../src/talk/talk-text.js';
import { isVoiceType, VOICES } from '../src/talk/voices.js';
import { localizeCommand } from '../src/i18n/commands.js';
import { replyLanguage } from '../src/i18n/locale.js';
import { t, type Language } from '../src/i18n/text.js';

/** Reading the talk status must not hold back `/characters show`, which answers without deferring. */
const TALK_STATUS_TIMEOUT_MS = 500;

const nameOption = (required: boolean) =>
	({
		type: ApplicationCommandOptionType.String,
		name: 'name',
		required,
		max_length: 100,
		autocomplete: true,
	}) as const;

/** Descriptions and every language's names come from the catalogue (`command.characters.…`). */
const data = localizeCommand({
	name: 'characters',
	...SERVER_ONLY,
	options: [
		{ type: ApplicationCommandOptionType.Subcommand, name: 'list' },
		{ type: ApplicationCommandOptionType.Subcommand, name: 'show', options: [nameOption(true)] },
		{ type: ApplicationCommandOptionType.Subcommand, name: 'delete', options: [nameOption(true)] },
		{
			type: ApplicationCommandOptionType.Subcommand,
			name: 'voice',
			options: [
				nameOption(true),
				{
					type: ApplicationCommandOptionType.String,
					name: 'voice',
					required: true,
					// Labels in every language: command.characters.voice.voice.<value>.
					choices: VOICES.map((voice) => ({ name: voice.name, value: voice.value })),
				},
			],
		},
		{ type: ApplicationCommandOptionType.Subcommand, name: 'export', options: [nameOption(false)] },
	],
});

function viewerOf(interaction: ChatInputCommandInteraction | AutocompleteInteraction | ButtonInteraction): Viewer {
	if (!interaction.guildId) throw new UserFacingError('characters.notInServer');
	return { guildId: interaction.guildId, userId: interaction.user.id };
}

async function execute(interaction: ChatInputCommandInteraction, context: CommandContext): Promise<void> {
	const viewer = viewerOf(interaction);
	const store = context.stores.characters;
	try {
		switch (interaction.options.getSubcommand(true)) {
			case 'list':
				return await list(interaction, store, viewer);
			case 'show':
				return await show(interaction, context, viewer);
			case 'delete':
				return await remove(interaction, context, viewer);
			case 'voice':
				return await chooseVoice(interaction, context, viewer);
			case 'export':
				return await exportRoster(interaction, store, viewer);
			default:
				throw new UserFacingError('characters.commandChanged');
		}
	} catch (error) {
		throw asUserFacing(error);
	}
}

type Store = CommandContext['stores']['characters'];

/** Ephemeral when it shows the asker's private characters, public otherwise. */
async function list(interaction: ChatInputCommandInteraction, store: Store, viewer: Viewer): Promise<void> {
	const page = await listPage(store, viewer, 1);
	const language = replyLanguage(interaction);
	await interaction.reply({
		content: listContent(page, language),
		components: pageButtons(page, interaction.user.id, language),
		allowedMentions: NO_MENTIONS,
		...(page.includesPrivate ? { flags: MessageFlags.Ephemeral } : {}),
	});
}

/**
 * The full text split like a generation: the header and the first part as the reply, the rest as
 * follow-ups. A typed name shared by several characters shows the newest and says so.
 */
async function show(interaction: ChatInputCommandInteraction, context: CommandContext, viewer: Viewer): Promise<void> {
	const { character, scope, matches } = await findCharacter(context.stores.characters, viewer, interaction.options.getString('name', true));
	const language = replyLanguage(interaction);
	const status = await settleWithin(context.talk.status({ scope, id: character.id }), TALK_STATUS_TIMEOUT_MS);
	const header = characterHeader(character, language, sameNameNote(matches, language), talkNote(character, status.ok ? status.value : undefined, language));
	const [first = '', ...rest] = splitText(header + character.text);
	const ephemeral = character.private ? ({ flags: MessageFlags.Ephemeral } as const) : {};
	await interaction.reply({ content: first, allowedMentions: NO_MENTIONS, ...ephemeral });
	// Follow-ups do not inherit the reply's ephemeral flag, so each one carries it.
	for (const content of rest) await interaction.followUp({ content, allowedMentions: NO_MENTIONS, ...ephemeral });
}

/**
 * Only the author or Manage Server may delete. Deleting the wrong one cannot be undone, so a typed
 * name several characters share is refused: autocomplete tells them apart by date and author.
 */
async function remove(interaction: ChatInputCommandInteraction, context: CommandContext, viewer: Viewer): Promise<void> {
	const store = context.stores.characters;
	const { character, scope, matches } = await findCharacter(store, viewer, interaction.options.getString('name', true));
	const name = escapeMarkdown(character.name);
	if (matches > 1) {
		throw new UserFacingError('characters.deleteAmbiguous', { count: matches, name });
	}
	const isAuthor = character.authorId === interaction.user.id;
	if (!isAuthor && !interaction.memberPermissions?.has(PermissionFlagsBits.ManageGuild)) {
		throw new UserFacingError('characters.deleteNotAllowed', { author: escapeMarkdown(character.authorName), name });
	}
	// The lookup may have used most of the 3 s Discord allows; the delete runs after the acknowledgement.
	await interaction.deferReply({ flags: MessageFlags.Ephemeral });
	const deleted = await store.delete(scope, character.id);
	if (deleted) {
		// Its Convai character goes too, in the background: a failure there is logged, never blocks the delete.
		context.talk
			.forget({ scope, id: character.id })
			.catch((error: unknown) => context.log.warn('could not delete the convai character of a deleted character', { characterId: character.id, error }));
	}
	const language = replyLanguage(interaction);
	const what = t(language, 'characters.deleteWhat', {
		name,
		author: escapeMarkdown(character.authorName),
		date: shortDate(character.createdAt, language),
	});
	const done = character.private ? 'characters.deletedFromPrivate' : 'characters.deletedFromServer';
	await interaction.editReply({
		content: t(language, deleted ? done : 'characters.alreadyDeleted', { what }),
		allowedMentions: NO_MENTIONS,
	});
}

/** The author or Manage Server, like delete; takes effect from the next /talk. */
async function chooseVoice(interaction: ChatInputCommandInteraction, context: CommandContext, viewer: Viewer): Promise<void> {
	const voice = interaction.options.getString('voice', true);
	if (!isVoiceType(voice)) throw new UserFacingError('characters.commandChanged');
	const { character, scope } = await findCharacter(context.stores.characters, viewer, interaction.options.getString('name', true));
	const name = escapeMarkdown(character.name);
	if (character.authorId !== interaction.user.id && !interaction.memberPermissions?.has(PermissionFlagsBits.ManageGuild)) {
		throw new UserFacingError('talk.voiceNotAllowed', { author: escapeMarkdown(character.authorName), name });
	}
	await interaction.deferReply({ flags: MessageFlags.Ephemeral });
	const recreate = await context.talk.setVoice({ scope, id: character.id }, voice);
	const language = replyLanguage(interaction);
	const content = t(language, recreate ? 'talk.voiceSetRecreate' : 'talk.voiceSet', { name, voice: voiceName(language, voice) });
	await interaction.editReply({ content, allowedMentions: NO_MENTIONS });
}

/** Always ephemeral: a download is for the person who asked, and may include their private characters. */
async function exportRoster(interaction: ChatInputCommandInteraction, store: Store, viewer: Viewer): Promise<void> {
	await interaction.deferReply({ flags: MessageFlags.Ephemeral });
	const name = interaction.options.getString('name');
	const found = name === null ? undefined : await findCharacter(store, viewer, name);
	const characters = found ? [found.character] : await loadAll(store, viewer);
	if (characters.length === 0) {
		throw new UserFacingError('characters.exportEmpty');
	}
	const language = replyLanguage(interaction);
	const single = found?.character;
	const server = interaction.guild?.name;
	const title = single ? single.name : server ? t(language, 'export.titleServer', { server }) : t(language, 'export.titleFallback');
	const markdown = exportMarkdown(characters, title, language);
	const what = single ? `**${escapeMarkdown(single.name)}**` : t(language, 'characters.exportCount', { count: characters.length });
	const note = found && sameNameNote(found.matches, language);
	await interaction.editReply({
		content: `${t(language, 'characters.exportDone', { what })}${note ? `\n-# ${note}` : ''}`,
		files: [{ attachment: Buffer.from(markdown, 'utf8'), name: exportFileName(single?.name) }],
		allowedMentions: NO_MENTIONS,
	});
}

/**
 * Page buttons recompute the page from the store, so they work after a restart. Private characters
 * are only mixed in on an ephemeral list pressed by its owner: a public list stays public.
 */
async function handleButton(interaction: ButtonInteraction, args: string[], context: CommandContext): Promise<void> {
	const [action, pageArg, ownerId] = args;
	const page = Number(pageArg);
	if (action !== 'page' || !Number.isSafeInteger(page) || page < 1 || !ownerId) {
		throw new UserFacingError('characters.pageOutdated');
	}
	const { guildId } = viewerOf(interaction);
	const isPrivateList = interaction.message.flags.has(MessageFlags.Ephemeral) && interaction.user.id === ownerId;
	try {
		const list = await listPage(context.stores.characters, { guildId, userId: isPrivateList ? ownerId : undefined }, page);
		const language: Language = replyLanguage(interaction);
		await interaction.update({ content: listContent(list, language), components: pageButtons(list, ownerId, language), allowedMentions: NO_MENTIONS });
	} catch (error) {
		throw asUserFacing(error);
	}
}

async function autocomplete(interaction: AutocompleteInteraction, context: CommandContext): Promise<void> {
	const focused = interaction.options.getFocused(true);
	if (focused.name !== 'name') return void (await interaction.respond([]));
	const found = await searchNames(context.stores.characters, viewerOf(interaction), String(focused.value));
	await interaction.respond(nameChoices(found, replyLanguage(interaction)));
}

export default { data, execute, handleButton, autocomplete } satisfies Command;
