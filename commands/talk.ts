import {
	ApplicationCommandOptionType,
	escapeMarkdown,
	MessageFlags,
	PermissionFlagsBits,
	time,
	TimestampStyles,
	type AutocompleteInteraction,
	type ChatInputCommandInteraction,
	type RESTPostAPIChatInputApplicationCommandsJSONBody,
} from 'discord.js';
import type { Command, CommandContext } from '../src/interactions/command.js';
import { exportFileName, nameChoices } from '../src/discord/character-views.js';
import { SERVER_ONLY } from '../src/discord/command-scope.js';
import { normalizeInput } from '../src/discord/input.js';
import { NO_MENTIONS } from '../src/discord/reply-target.js';
import { findCharacter, searchNames, type FoundCharacter, type Viewer } from '../src/discord/roster.js';
import { asUserFacing, STORE_UNAVAILABLE } from '../src/discord/store-errors.js';
import { UserFacingError } from '../src/interactions/errors.js';
import { splitText } from '../src/render/split.js';
import { settleWithin } from '../src/store/settle-within.js';
import type { TalkReply } from '../src/talk/talk.js';
import { describeTalkError, TALK_TEXT } from '../src/talk/talk-text.js';
import { UpstreamError } from '../src/upstream/errors.js';

/** Long enough for a real question at the table; Convai answers short messages best. */
export const MESSAGE_MAX_LENGTH = 500;
/** The lookup runs before the deferral (it decides whether the reply is private): keep it inside Discord's 3 s. */
const LOOKUP_TIMEOUT_MS = 1_500;

const data = {
	name: 'talk',
	description: 'Talk to a saved character: it answers in character, and remembers this channel’s conversation.',
	...SERVER_ONLY,
	options: [
		{
			type: ApplicationCommandOptionType.String,
			name: 'character',
			description: 'Who to talk to (pick one from the suggestions)',
			required: true,
			max_length: 100,
			autocomplete: true,
		},
		{
			type: ApplicationCommandOptionType.String,
			name: 'message',
			description: 'What you say, e.g. What did you see last night?',
			required: true,
			min_length: 1,
			max_length: MESSAGE_MAX_LENGTH,
		},
		{ type: ApplicationCommandOptionType.Boolean, name: 'new', description: 'Start a new conversation (the character forgets this channel’s)', required: false },
		{ type: ApplicationCommandOptionType.Boolean, name: 'voice', description: 'Also attach the spoken answer as an audio file', required: false },
	],
} as const satisfies RESTPostAPIChatInputApplicationCommandsJSONBody;

async function execute(interaction: ChatInputCommandInteraction, context: CommandContext): Promise<void> {
	if (!interaction.guildId) throw new UserFacingError('Characters are kept per server; use this command in a server.');
	const userText = normalizeInput(interaction.options.getString('message', true)).slice(0, MESSAGE_MAX_LENGTH);
	if (userText === '') throw new UserFacingError(TALK_TEXT.emptyMessage);
	const { character, scope } = await lookUp(interaction, { guildId: interaction.guildId, userId: interaction.user.id }, context);
	// The lookup only searches the caller's own private list; this keeps that promise explicit.
	if (character.private && character.authorId !== interaction.user.id) throw new UserFacingError(TALK_TEXT.notFound(character.name));

	const admission = await context.fairUse.admit({
		userId: interaction.user.id,
		guildId: interaction.guildId,
		exemptFromCooldown: interaction.memberPermissions?.has(PermissionFlagsBits.ManageGuild) ?? false,
		kind: 'talk',
	});
	if (!admission.admitted) {
		const { reason, retryAt } = admission.refusal;
		await interaction.reply({
			content: `${reason} You can talk again ${time(Math.ceil(retryAt / 1_000), TimestampStyles.RelativeTime)}.`,
			flags: MessageFlags.Ephemeral,
			allowedMentions: NO_MENTIONS,
		});
		return;
	}
	const voice = interaction.options.getBoolean('voice') ?? false;
	const run = context.runs.start(interaction.id);
	let reply: TalkReply;
	try {
		// A private character talks only privately: the whole exchange is ephemeral.
		await interaction.deferReply(character.private ? { flags: MessageFlags.Ephemeral } : {});
		// Input screening and talk quotas go right here, before the one call that reaches Convai.
		reply = await context.talk.talk({
			target: { entry: { scope, id: character.id }, character },
			conversation: interaction.channelId,
			userText,
			voice,
			startOver: interaction.options.getBoolean('new') ?? false,
			signal: run.signal,
		});
	} catch (error) {
		// Answered here rather than at the boundary, so a restart waits until the user has been told.
		const problem = failureText(error, run.signal);
		if (problem === undefined) throw error;
		context.log.info('talk failed', { interactionId: interaction.id, guildId: interaction.guildId, reason: problem, error });
		await interaction
			.editReply({ content: `⚠️ ${problem}`, allowedMentions: NO_MENTIONS })
			.catch((editError: unknown) => context.log.warn('could not tell the user about a failed talk', { interactionId: interaction.id, error: editError }));
		return;
	} finally {
		run.end();
		admission.release();
	}
	await sendAnswer(interaction, character.name, userText, reply, { voice, ephemeral: character.private });
	context.log.info('talk answered', { interactionId: interaction.id, guildId: interaction.guildId, chars: reply.text.length, audio: reply.audio !== undefined, continued: reply.continued, recreated: reply.recreated });
}

/** What the user reads about a failure, or undefined for a bug (the boundary answers those). */
function failureText(error: unknown, signal: AbortSignal): string | undefined {
	if (signal.aborted) return TALK_TEXT.interrupted;
	if (error instanceof UpstreamError) return describeTalkError(error);
	const userFacing = asUserFacing(error);
	return userFacing instanceof UserFacingError ? userFacing.message : undefined;
}

/** Bounded, because it runs before the deferral; a name nobody can see gets the talk wording. */
async function lookUp(interaction: ChatInputCommandInteraction, viewer: Viewer, context: CommandContext): Promise<FoundCharacter> {
	const wanted = interaction.options.getString('character', true);
	const found = await settleWithin(findCharacter(context.stores.characters, viewer, wanted), LOOKUP_TIMEOUT_MS);
	if (found.ok) return found.value;
	if (found.error instanceof UserFacingError) throw new UserFacingError(TALK_TEXT.notFound(normalizeInput(wanted)));
	const failure = asUserFacing(found.error);
	throw failure instanceof UserFacingError ? failure : new UserFacingError(STORE_UNAVAILABLE, { cause: found.error });
}

/**
 * The question quoted, then the answer under the character's name, split like a backstory; the
 * audio goes on the last message. Mentions are never parsed, whatever the character says.
 */
async function sendAnswer(
	interaction: ChatInputCommandInteraction,
	name: string,
	userText: string,
	reply: TalkReply,
	options: { voice: boolean; ephemeral: boolean },
): Promise<void> {
	const notes = [
		...(reply.recreated ? [TALK_TEXT.recreated] : !reply.continued ? [TALK_TEXT.startedOver] : []),
		...(options.voice && !reply.audio ? [TALK_TEXT.noAudio] : []),
	];
	const parts = splitText([`> ${userText}`, ...notes, `**${escapeMarkdown(name)}:** ${reply.text}`].join('\n'));
	const flags = options.ephemeral ? ({ flags: MessageFlags.Ephemeral } as const) : {};
	for (const [index, content] of parts.entries()) {
		const isLast = index === parts.length - 1;
		const files = isLast && reply.audio ? [{ attachment: reply.audio, name: exportFileName(name).replace(/\.md$/, '.wav') }] : [];
		if (index === 0) await interaction.editReply({ content, files, allowedMentions: NO_MENTIONS });
		// Follow-ups do not inherit the deferral's ephemeral flag, so each one carries it.
		else await interaction.followUp({ content, files, allowedMentions: NO_MENTIONS, ...flags });
	}
}

async function autocomplete(interaction: AutocompleteInteraction, context: CommandContext): Promise<void> {
	const focused = interaction.options.getFocused(true);
	if (focused.name !== 'character' || !interaction.guildId) return void (await interaction.respond([]));
	const found = await searchNames(context.stores.characters, { guildId: interaction.guildId, userId: interaction.user.id }, String(focused.value));
	await interaction.respond(nameChoices(found));
}

export default { data, execute, autocomplete } satisfies Command;
