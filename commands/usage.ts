import {
	MessageFlags,
	PermissionFlagsBits,
	type ChatInputCommandInteraction,
	type RESTPostAPIChatInputApplicationCommandsJSONBody,
} from 'discord.js';
import type { Command, CommandContext } from '../src/interactions/command.js';
import { SERVER_ONLY } from '../src/discord/command-scope.js';
import { NO_MENTIONS } from '../src/discord/reply-target.js';
import { USAGE_NEEDS_MANAGE_SERVER, USAGE_UNAVAILABLE, usageText } from '../src/guard/guard-text.js';
import { UserFacingError } from '../src/interactions/errors.js';

const TOP_USERS = 10;

const data = {
	name: 'usage',
	description: "Today's backstories and talk messages in this server against its daily quotas (Manage Server)",
	...SERVER_ONLY,
	// Discord hides the command from everyone without Manage Server; server admins can widen it in Integrations.
	default_member_permissions: String(PermissionFlagsBits.ManageGuild),
} as const satisfies RESTPostAPIChatInputApplicationCommandsJSONBody;

async function execute(interaction: ChatInputCommandInteraction, context: CommandContext): Promise<void> {
	const { guildId } = interaction;
	if (!guildId) throw new UserFacingError('Usage is counted per server; use this command in one.');
	// Checked here too: an admin may have opened the command to others in Integrations, but the
	// counts name members, so they stay with those who can manage the server.
	if (!interaction.memberPermissions?.has(PermissionFlagsBits.ManageGuild)) throw new UserFacingError(USAGE_NEEDS_MANAGE_SERVER);
	await interaction.deferReply({ flags: MessageFlags.Ephemeral });
	let content: string;
	try {
		content = usageText(await context.guard.quotas.today(guildId, TOP_USERS));
	} catch (error) {
		context.log.warn('could not read the usage counts', { guildId, error });
		throw new UserFacingError(USAGE_UNAVAILABLE);
	}
	await interaction.editReply({ content, allowedMentions: NO_MENTIONS });
}

export default { data, execute } satisfies Command;
