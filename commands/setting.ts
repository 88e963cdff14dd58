import {
	ApplicationCommandOptionType,
	MessageFlags,
	PermissionFlagsBits,
	time,
	TimestampStyles,
	userMention,
	type ChatInputCommandInteraction,
	type RESTPostAPIChatInputApplicationCommandsJSONBody,
} from 'discord.js';
import type { Command, CommandContext } from '../src/interactions/command.js';
import { SERVER_ONLY } from '../src/discord/command-scope.js';
import { normalizeInput } from '../src/discord/input.js';
import { NO_MENTIONS } from '../src/discord/reply-target.js';
import { asUserFacing } from '../src/discord/store-errors.js';
import { passesGuard } from '../src/guard/guard.js';
import { UserFacingError } from '../src/interactions/errors.js';

export const SETTING_MAX_LENGTH = 1_000;

const data = {
	name: 'setting',
	description: "This server's world setting, added to every /backstory so characters fit the campaign.",
	...SERVER_ONLY,
	// No default_member_permissions: `show` is for everyone, so set and clear check Manage Server themselves.
	options: [
		{
			type: ApplicationCommandOptionType.Subcommand,
			name: 'set',
			description: 'Describe the world every backstory here is written for (Manage Server)',
			options: [
				{
					type: ApplicationCommandOptionType.String,
					name: 'text',
					description: 'e.g. A rain-soaked port city ruled by rival merchant guilds, 1890s steampunk.',
					required: true,
					min_length: 1,
					max_length: SETTING_MAX_LENGTH,
				},
			],
		},
		{ type: ApplicationCommandOptionType.Subcommand, name: 'show', description: "Show this server's world setting" },
		{ type: ApplicationCommandOptionType.Subcommand, name: 'clear', description: 'Remove the world setting (Manage Server)' },
	],
} as const satisfies RESTPostAPIChatInputApplicationCommandsJSONBody;

async function execute(interaction: ChatInputCommandInteraction, context: CommandContext): Promise<void> {
	const { guildId } = interaction;
	if (!guildId) throw new UserFacingError('A world setting belongs to a server; use this command in one.');
	const subcommand = interaction.options.getSubcommand(true);
	// Checked before any store call, so a refusal is instant and says nothing about the setting.
	if (subcommand !== 'show' && !interaction.memberPermissions?.has(PermissionFlagsBits.ManageGuild)) {
		throw new UserFacingError('Only members with the Manage Server permission can change the world setting. Anyone can read it with `/setting show`.');
	}
	const settings = context.stores.settings;
	try {
		if (subcommand === 'set') {
			const text = normalizeInput(interaction.options.getString('text', true)).slice(0, SETTING_MAX_LENGTH);
			if (text === '') throw new UserFacingError('Please describe the world with some letters in it.');
			// The setting is sent to Convai with every /backstory here, so it is screened like one.
			if (!(await passesGuard(interaction, context, { inputs: [text] }))) return;
			await settings.set(guildId, text, interaction.user.id);
			await reply(interaction, `🌍 World setting saved. Every \`/backstory\` in this server is now written for it:\n${quote(text)}`, true);
		} else if (subcommand === 'clear') {
			await settings.clear(guildId);
			await reply(interaction, '🌍 World setting cleared. Backstories here are written from their description alone again.', true);
		} else {
			const setting = await settings.get(guildId);
			await reply(
				interaction,
				setting
					? `🌍 **World setting**\n${quote(setting.text)}\n-# Set by ${userMention(setting.updatedBy)} ${time(Math.floor(setting.updatedAt / 1_000), TimestampStyles.RelativeTime)}. Every \`/backstory\` here is written for it.`
					: 'This server has no world setting. Someone with Manage Server can add one with `/setting set`, and every `/backstory` here will be written for it.',
				// Public, so the table can see what the campaign is about.
				false,
			);
		}
	} catch (error) {
		throw asUserFacing(error);
	}
}

function reply(interaction: ChatInputCommandInteraction, content: string, ephemeral: boolean): Promise<unknown> {
	return interaction.reply({ content, allowedMentions: NO_MENTIONS, ...(ephemeral ? { flags: MessageFlags.Ephemeral } : {}) });
}

function quote(text: string): string {
	return text
		.split('\n')
		.map((line) => `> ${line}`)
		.join('\n');
}

export default { data, execute } satisfies Command;
