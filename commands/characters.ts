import {
	ApplicationCommandOptionType,
	escapeMarkdown,
	MessageFlags,
	PermissionFlagsBits,
	type AutocompleteInteraction,
	type ButtonInteraction,
	type ChatInputCommandInteraction,
	type RESTPostAPIChatInputApplicationCommandsJSONBody,
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
import { TALK_TEXT } from '../src/talk/talk-text.js';
import { isVoiceType, VOICES, voiceLabel } from '../src/talk/voices.js';

/** Reading the talk status must not hold back `/characters show`, which answers without deferring. */
const TALK_STATUS_TIMEOUT_MS = 500;

const nameOption = (required: boolean, description: string) =>
	({
		type: ApplicationCommandOptionType.String,
		name: 'name',
		description,
		required,
		max_length: 100,
		autocomplete: true,
	}) as const;

const data = {
	name: 'characters',
	description: "This server's saved characters: list, read, delete or export them.",
	...SERVER_ONLY,
	options: [
		{ type: ApplicationCommandOptionType.Subcommand, name: 'list', description: 'The characters saved in this server, newest first' },
		{
			type: ApplicationCommandOptionType.Subcommand,
			name: 'show',
			description: "Read a saved character's whole backstory",
			options: [nameOption(true, 'The character (pick one from the suggestions)')],
		},
		{
			type: ApplicationCommandOptionType.Subcommand,
			name: 'delete',
			description: 'Remove a character from the roster (its author, or Manage Server)',
			options: [nameOption(true, 'The character (pick one from the suggestions)')],
		},
		{
			type: ApplicationCommandOptionType.Subcommand,
			name: 'voice',
			description: 'Choose how a character sounds in /talk (its author, or Manage Server)',
			options: [
				nameOption(true, 'The character (pick one from the suggestions)'),
				{
					type: ApplicationCommandOptionType.String,
					name: 'voice',
					description: 'The Convai voice it speaks with',
					required: true,
					choices: VOICES.map((voice) => ({ name: voice.name, value: voice.value })),
				},
			],
		},
		{
			type: ApplicationCommandOptionType.Subcommand,
			name: 'export',
			description: 'Download the roster, or one character, as a Markdown file',
			options: [nameOption(false, 'Only this character (leave empty for the whole roster)')],
		},
	],
} as const satisfies RESTPostAPIChatInputApplicationCommandsJSONBody;

function viewerOf(interaction: ChatInputCommandInteraction | AutocompleteInteraction | ButtonInteraction): Viewer {
	if (!interaction.guildId) throw new UserFacingError('Characters are kept per server; use this command in a server.');
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
				throw new UserFacingError('This command has changed; reload Discord (Ctrl+R) and try again.');
		}
	} catch (error) {
		throw asUserFacing(error);
	}
}

type Store = CommandContext['stores']['characters'];

/** Ephemeral when it shows the asker's private characters, public otherwise. */
async function list(interaction: ChatInputCommandInteraction, store: Store, viewer: Viewer): Promise<void> {
	const page = await listPage(store, viewer, 1);
	await interaction.reply({
		content: listContent(page),
		components: pageButtons(page, interaction.user.id),
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
	const status = await settleWithin(context.talk.status({ scope, id: character.id }), TALK_STATUS_TIMEOUT_MS);
	const header = characterHeader(character, sameNameNote(matches), talkNote(character, status.ok ? status.value : undefined));
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
		throw new UserFacingError(`${matches} characters are called **${name}**. Pick the one to delete from the suggestions (they show each one's date and author).`);
	}
	const isAuthor = character.authorId === interaction.user.id;
	if (!isAuthor && !interaction.memberPermissions?.has(PermissionFlagsBits.ManageGuild)) {
		throw new UserFacingError(
			`Only ${escapeMarkdown(character.authorName)}, who wrote **${name}**, or a member with Manage Server can delete it.`,
		);
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
	const what = `**${name}** (by ${escapeMarkdown(character.authorName)}, ${shortDate(character.createdAt)})`;
	await interaction.editReply({
		content: deleted ? `🗑️ Deleted ${what} from ${character.private ? 'your private characters' : "this server's roster"}.` : `${what} was already deleted.`,
		allowedMentions: NO_MENTIONS,
	});
}

/** The author or Manage Server, like delete; takes effect from the next /talk. */
async function chooseVoice(interaction: ChatInputCommandInteraction, context: CommandContext, viewer: Viewer): Promise<void> {
	const voice = interaction.options.getString('voice', true);
	if (!isVoiceType(voice)) throw new UserFacingError('This command has changed; reload Discord (Ctrl+R) and try again.');
	const { character, scope } = await findCharacter(context.stores.characters, viewer, interaction.options.getString('name', true));
	const name = escapeMarkdown(character.name);
	if (character.authorId !== interaction.user.id && !interaction.memberPermissions?.has(PermissionFlagsBits.ManageGuild)) {
		throw new UserFacingError(TALK_TEXT.voiceNotAllowed(escapeMarkdown(character.authorName), name));
	}
	await interaction.deferReply({ flags: MessageFlags.Ephemeral });
	const recreate = await context.talk.setVoice({ scope, id: character.id }, voice);
	await interaction.editReply({ content: TALK_TEXT.voiceSet(name, voiceLabel(voice), recreate), allowedMentions: NO_MENTIONS });
}

/** Always ephemeral: a download is for the person who asked, and may include their private characters. */
async function exportRoster(interaction: ChatInputCommandInteraction, store: Store, viewer: Viewer): Promise<void> {
	await interaction.deferReply({ flags: MessageFlags.Ephemeral });
	const name = interaction.options.getString('name');
	const found = name === null ? undefined : await findCharacter(store, viewer, name);
	const characters = found ? [found.character] : await loadAll(store, viewer);
	if (characters.length === 0) {
		throw new UserFacingError('No characters are saved in this server yet, so there is nothing to export. Write one with `/backstory`.');
	}
	const single = found?.character;
	const title = single ? single.name : `Characters of ${interaction.guild?.name ?? 'this server'}`;
	const markdown = exportMarkdown(characters, title);
	const noun = characters.length === 1 ? 'character' : 'characters';
	const what = single ? `**${escapeMarkdown(single.name)}**` : `${characters.length} ${noun}`;
	const note = found && sameNameNote(found.matches);
	await interaction.editReply({
		content: `📦 ${what}, as Markdown.${note ? `\n-# ${note}` : ''}`,
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
		throw new UserFacingError('This button is from an older version of the bot and no longer works. Run `/characters list` again.');
	}
	const { guildId } = viewerOf(interaction);
	const isPrivateList = interaction.message.flags.has(MessageFlags.Ephemeral) && interaction.user.id === ownerId;
	try {
		const list = await listPage(context.stores.characters, { guildId, userId: isPrivateList ? ownerId : undefined }, page);
		await interaction.update({ content: listContent(list), components: pageButtons(list, ownerId), allowedMentions: NO_MENTIONS });
	} catch (error) {
		throw asUserFacing(error);
	}
}

async function autocomplete(interaction: AutocompleteInteraction, context: CommandContext): Promise<void> {
	const focused = interaction.options.getFocused(true);
	if (focused.name !== 'name') return void (await interaction.respond([]));
	const found = await searchNames(context.stores.characters, viewerOf(interaction), String(focused.value));
	await interaction.respond(nameChoices(found));
}

export default { data, execute, handleButton, autocomplete } satisfies Command;
