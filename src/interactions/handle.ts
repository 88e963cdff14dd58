import { MessageFlags, type Interaction, type RepliableInteraction } from 'discord.js';
import { findCommand } from '../commands.js';
import type { CommandContext } from './command.js';
import { NO_MENTIONS } from '../discord/reply-target.js';
import { AlreadyReportedError, UserFacingError } from './errors.js';
import { replyLanguage } from '../i18n/locale.js';
import { render, text, type Text } from '../i18n/text.js';

export interface InteractionContext extends CommandContext {
	/** True once shutdown has begun: new commands are turned away politely. */
	isShuttingDown(): boolean;
}

/**
 * The one error boundary: every interaction passes through here, every failure is logged with its
 * ids, and the user always gets an answer (the command's own, or a short generic one).
 */
export async function handleInteraction(interaction: Interaction, context: InteractionContext): Promise<void> {
	if (interaction.isAutocomplete()) {
		const command = findCommand(interaction.commandName);
		await command?.autocomplete?.(interaction, context).catch((error: unknown) => {
			context.log.warn('autocomplete failed', { interactionId: interaction.id, error });
			return interaction.respond([]).catch(() => undefined);
		});
		return;
	}
	if (!interaction.isChatInputCommand() && !interaction.isButton()) return;

	const [name = '', ...args] = interaction.isButton() ? interaction.customId.split(':') : [interaction.commandName];
	const fields = {
		interactionId: interaction.id,
		command: name,
		...(interaction.isButton() ? { button: interaction.customId } : {}),
		guildId: interaction.guildId,
		userId: interaction.user.id,
	};
	context.log.debug('interaction received', fields);

	const command = findCommand(name);
	const startsWork = interaction.isChatInputCommand() || (command?.buttonStartsWork?.(args) ?? false);
	if (!command || (context.isShuttingDown() && startsWork)) {
		await answer(interaction, text(command ? 'interaction.restarting' : 'interaction.unknown'), context);
		return;
	}
	try {
		if (interaction.isChatInputCommand()) await command.execute(interaction, context);
		else if (command.handleButton) await command.handleButton(interaction, args, context);
		else throw new UserFacingError('interaction.buttonGone');
	} catch (error) {
		if (error instanceof UserFacingError) {
			context.log.info('refused', { ...fields, reason: error.message });
			await answer(interaction, error.text, context);
			return;
		}
		context.log.error('command failed', { ...fields, error });
		if (!(error instanceof AlreadyReportedError)) await answer(interaction, text('interaction.genericFailure'), context);
	}
}

/** Answers in the user's language, in whatever way the interaction's state still allows, and never throws. */
async function answer(interaction: RepliableInteraction, message: Text, context: CommandContext): Promise<void> {
	const content = render(replyLanguage(interaction), message);
	try {
		if (interaction.deferred && !interaction.replied && !interaction.isButton()) {
			await interaction.editReply({ content: `⚠️ ${content}`, allowedMentions: NO_MENTIONS, components: [] });
		} else if (interaction.replied || interaction.deferred) {
			await interaction.followUp({ content, flags: MessageFlags.Ephemeral, allowedMentions: NO_MENTIONS });
		} else {
			await interaction.reply({ content, flags: MessageFlags.Ephemeral, allowedMentions: NO_MENTIONS });
		}
	} catch (error) {
		context.log.warn('could not tell the user about a failure', { interactionId: interaction.id, error });
	}
}
