import {
	ApplicationCommandOptionType,
	escapeMarkdown,
	MessageFlags,
	PermissionFlagsBits,
	time,
	TimestampStyles,
	type AutocompleteInteraction,
	type ChatInputCommandInteraction,
} from 'discord.js';
import type { Command, CommandContext } from '../src/interactions/command.js';
import { exportFileName, nameChoices } from '../src/discord/character-views.js';
import { SERVER_ONLY } from '../src/discord/command-scope.js';
import { normalizeInput } from '../src/discord/input.js';
import { NO_MENTIONS } from '../src/discord/reply-target.js';
import { findCharacter, searchNames, type FoundCharacter, type Viewer } from '../src/discord/roster.js';
import { asUserFacing } from '../src/discord/store-errors.js';
import { passesGuard } from '../src/guard/guard.js';
import { localizeCommand } from '../src/i18n/commands.js';
import { replyLanguage } from '../src/i18n/locale.js';
import { render, t, text, type Language, type Text } from '../src/i18n/text.js';
import { describeUpstreamError, UserFacingError } from '../src/interactions/errors.js';
import { splitText } from '../src/render/split.js';
import { settleWithin } from '../src/store/settle-within.js';
import type { Run } from '../src/generation/runs.js';
import type { TalkReply } from '../src/talk/talk.js';
import { TALK_UPSTREAM_TEXTS } from '../src/talk/talk-text.js';
import { UpstreamError } from '../src/upstream/errors.js';

/** Long enough for a real question at the table; Convai answers short messages best. */
export const MESSAGE_MAX_LENGTH = 500;
/** The lookup runs before the deferral (it decides whether the reply is private): keep it inside Discord's 3 s. */
const LOOKUP_TIMEOUT_MS = 1_500;

/** Descriptions and every language's names come from the catalogue (`command.talk.…`). */
const data = localizeCommand({
	name: 'talk',
	...SERVER_ONLY,
	options: [
		{
			type: ApplicationCommandOptionType.String,
			name: 'character',
			required: true,
			max_length: 100,
			autocomplete: true,
		},
		{
			type: ApplicationCommandOptionType.String,
			name: 'message',
			required: true,
			min_length: 1,
			max_length: MESSAGE_MAX_LENGTH,
		},
		{ type: ApplicationCommandOptionType.Boolean, name: 'new', required: false },
		{ type: ApplicationCommandOptionType.Boolean, name: 'voice', required: false },
	],
});

async function execute(interaction: ChatInputCommandInteraction, context: CommandContext): Promise<void> {
	// Registered before the first await, like a backstory: shutdown either cancels and awaits the whole
	// exchange (answer included) or refuses it with RunsClosedError, answered "restarting" at the
	// boundary before a fair-use slot is taken.
	const run = context.runs.start(interaction.id);
	try {
		await converse(interaction, context, run);
	} finally {
		run.end();
	}
}

async function converse(interaction: ChatInputCommandInteraction, context: CommandContext, run: Run): Promise<void> {
	if (!interaction.guildId) throw new UserFacingError('characters.notInServer');
	const userText = normalizeInput(interaction.options.getString('message', true)).slice(0, MESSAGE_MAX_LENGTH);
	if (userText === '') throw new UserFacingError('talk.emptyMessage');
	const { character, scope } = await lookUp(interaction, { guildId: interaction.guildId, userId: interaction.user.id }, context);
	// The lookup only searches the caller's own private list; this keeps that promise explicit.
	if (character.private && character.authorId !== interaction.user.id) throw new UserFacingError('talk.notFound', { name: character.name });

	const admission = await context.fairUse.admit({
		userId: interaction.user.id,
		guildId: interaction.guildId,
		exemptFromCooldown: interaction.memberPermissions?.has(PermissionFlagsBits.ManageGuild) ?? false,
		kind: 'talk',
	});
	const language = replyLanguage(interaction);
	if (!admission.admitted) {
		const { reason, retryAt } = admission.refusal;
		await interaction.reply({
			content: t(language, 'talk.retry', { reason: render(language, reason), when: time(Math.ceil(retryAt / 1_000), TimestampStyles.RelativeTime) }),
			flags: MessageFlags.Ephemeral,
			allowedMentions: NO_MENTIONS,
		});
		return;
	}
	// Screening and the daily talk quota, before the defer: they answer privately themselves when they refuse.
	// A refused message still counts toward the cooldown (admitted above) but frees its running slot.
	const guarded = await passesGuard(interaction, context, { inputs: [userText], quota: 'talk' }).catch((error: unknown) => {
		admission.release();
		throw error;
	});
	if (!guarded) {
		admission.release();
		return;
	}
	const voice = interaction.options.getBoolean('voice') ?? false;
	let reply: TalkReply;
	try {
		// A private character talks only privately: the whole exchange is ephemeral.
		await interaction.deferReply(character.private ? { flags: MessageFlags.Ephemeral } : {});
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
		context.log.info('talk failed', { interactionId: interaction.id, guildId: interaction.guildId, reason: problem.key, error });
		await interaction
			.editReply({ content: `⚠️ ${render(language, problem)}`, allowedMentions: NO_MENTIONS })
			.catch((editError: unknown) => context.log.warn('could not tell the user about a failed talk', { interactionId: interaction.id, error: editError }));
		return;
	} finally {
		admission.release();
	}
	await sendAnswer(interaction, character.name, userText, reply, { voice, ephemeral: character.private, language });
	context.log.info('talk answered', { interactionId: interaction.id, guildId: interaction.guildId, chars: reply.text.length, audio: reply.audio !== undefined, continued: reply.continued, recreated: reply.recreated });
}

/** What the user reads about a failure, or undefined for a bug (the boundary answers those). */
function failureText(error: unknown, signal: AbortSignal): Text | undefined {
	if (signal.aborted) return text('talk.interrupted');
	if (error instanceof UpstreamError) return describeUpstreamError(error, TALK_UPSTREAM_TEXTS);
	const userFacing = asUserFacing(error);
	return userFacing instanceof UserFacingError ? userFacing.text : undefined;
}

/** Bounded, because it runs before the deferral; a name nobody can see gets the talk wording. */
async function lookUp(interaction: ChatInputCommandInteraction, viewer: Viewer, context: CommandContext): Promise<FoundCharacter> {
	const wanted = interaction.options.getString('character', true);
	const found = await settleWithin(findCharacter(context.stores.characters, viewer, wanted), LOOKUP_TIMEOUT_MS);
	if (found.ok) return found.value;
	if (found.error instanceof UserFacingError) throw new UserFacingError('talk.notFound', { name: normalizeInput(wanted) });
	const failure = asUserFacing(found.error);
	throw failure instanceof UserFacingError ? failure : new UserFacingError('store.unavailable', undefined, { cause: found.error });
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
	options: { voice: boolean; ephemeral: boolean; language: Language },
): Promise<void> {
	const say = (key: 'talk.recreated' | 'talk.startedOver' | 'talk.noAudio') => t(options.language, key);
	const notes = [
		...(reply.recreated ? [say('talk.recreated')] : !reply.continued ? [say('talk.startedOver')] : []),
		...(options.voice && !reply.audio ? [say('talk.noAudio')] : []),
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
	await interaction.respond(nameChoices(found, replyLanguage(interaction)));
}

export default { data, execute, autocomplete } satisfies Command;
