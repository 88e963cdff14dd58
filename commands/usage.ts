import { MessageFlags, PermissionFlagsBits, type ChatInputCommandInteraction } from 'discord.js';
import type { Command, CommandContext } from '../src/interactions/command.js';
import { SERVER_ONLY } from '../src/discord/command-scope.js';
import { NO_MENTIONS } from '../src/discord/reply-target.js';
import { usageText } from '../src/guard/guard-text.js';
import { localizeCommand } from '../src/i18n/commands.js';
import { replyLanguage } from '../src/i18n/locale.js';
import { UserFacingError } from '../src/interactions/errors.js';

const TOP_USERS = 10;

/** Description and every language's name come from the catalogue (`command.usage.…`). */
const data = localizeCommand({
	name: 'usage',
	...SERVER_ONLY,
	// Discord hides the command from everyone without Manage Server; server admins can widen it in Integrations.
	default_member_permissions: String(PermissionFlagsBits.ManageGuild),
});

async function execute(interaction: ChatInputCommandInteraction, context: CommandContext): Promise<void> {
	const { guildId } = interaction;
	if (!guildId) throw new UserFacingError('usage.notInServer');
	// Checked here too: an admin may have opened the command to others in Integrations, but the
	// counts name members, so they stay with those who can manage the server.
	if (!interaction.memberPermissions?.has(PermissionFlagsBits.ManageGuild)) throw new UserFacingError('usage.needsManageServer');
	await interaction.deferReply({ flags: MessageFlags.Ephemeral });
	let content: string;
	try {
		content = usageText(replyLanguage(interaction), await context.guard.quotas.today(guildId, TOP_USERS));
	} catch (error) {
		context.log.warn('could not read the usage counts', { guildId, error });
		throw new UserFacingError('usage.unavailable', undefined, { cause: error });
	}
	await interaction.editReply({ content, allowedMentions: NO_MENTIONS });
}

export default { data, execute } satisfies Command;
