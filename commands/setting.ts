import {
	ApplicationCommandOptionType,
	MessageFlags,
	PermissionFlagsBits,
	time,
	TimestampStyles,
	userMention,
	type ChatInputCommandInteraction,
} from 'discord.js';
import type { Command, CommandContext } from '../src/interactions/command.js';
import { SERVER_ONLY } from '../src/discord/command-scope.js';
import { normalizeInput } from '../src/discord/input.js';
import { NO_MENTIONS } from '../src/discord/reply-target.js';
import { asUserFacing } from '../src/discord/store-errors.js';
import { UserFacingError } from '../src/interactions/errors.js';
import { LANGUAGES } from '../src/i18n/catalogue.js';
import { localizeCommand } from '../src/i18n/commands.js';
import { isLanguage, LANGUAGE_NAMES, replyLanguage, resolveLanguage } from '../src/i18n/locale.js';
import { t, type Language } from '../src/i18n/text.js';

export const SETTING_MAX_LENGTH = 1_000;

/** The `/setting language` choice that unpins: notices follow the server's Discord language again. */
const AUTO = 'auto';

/** Descriptions and every language's names come from the catalogue (`command.setting.…`). */
const data = localizeCommand({
	name: 'setting',
	...SERVER_ONLY,
	// No default_member_permissions: `show` is for everyone, so set and clear check Manage Server themselves.
	options: [
		{
			type: ApplicationCommandOptionType.Subcommand,
			name: 'set',
			options: [
				{
					type: ApplicationCommandOptionType.String,
					name: 'text',
					required: true,
					min_length: 1,
					max_length: SETTING_MAX_LENGTH,
				},
			],
		},
		{ type: ApplicationCommandOptionType.Subcommand, name: 'show' },
		{ type: ApplicationCommandOptionType.Subcommand, name: 'clear' },
		{
			type: ApplicationCommandOptionType.Subcommand,
			name: 'language',
			options: [
				{
					type: ApplicationCommandOptionType.String,
					name: 'language',
					required: true,
					// Endonyms: each reads the same in every language. `auto` is labelled from the catalogue.
					choices: [{ name: AUTO, value: AUTO }, ...LANGUAGES.map((language) => ({ name: LANGUAGE_NAMES[language], value: language }))],
				},
			],
		},
	],
});

async function execute(interaction: ChatInputCommandInteraction, context: CommandContext): Promise<void> {
	const { guildId } = interaction;
	if (!guildId) throw new UserFacingError('setting.notInServer');
	const subcommand = interaction.options.getSubcommand(true);
	// Checked before any store call, so a refusal is instant and says nothing about the setting.
	if (subcommand !== 'show' && !interaction.memberPermissions?.has(PermissionFlagsBits.ManageGuild)) {
		throw new UserFacingError('setting.needsManageServer');
	}
	const settings = context.stores.settings;
	const language = replyLanguage(interaction);
	try {
		if (subcommand === 'set') {
			const text = normalizeInput(interaction.options.getString('text', true)).slice(0, SETTING_MAX_LENGTH);
			if (text === '') throw new UserFacingError('setting.emptyText');
			await settings.set(guildId, text, interaction.user.id);
			await reply(interaction, t(language, 'setting.saved', { quote: quote(text) }), true);
		} else if (subcommand === 'clear') {
			await settings.clear(guildId);
			await reply(interaction, t(language, 'setting.cleared'), true);
		} else if (subcommand === 'language') {
			const choice = interaction.options.getString('language', true);
			const pinned: Language | undefined = isLanguage(choice) ? choice : undefined;
			await settings.setLanguage(guildId, pinned);
			const shown = LANGUAGE_NAMES[pinned ?? resolveLanguage(interaction.guildLocale)];
			await reply(interaction, t(language, pinned ? 'setting.languagePinned' : 'setting.languageAuto', { language: shown }), true);
		} else {
			const setting = await settings.get(guildId);
			await reply(
				interaction,
				setting
					? t(language, 'setting.show', {
							quote: quote(setting.text),
							who: userMention(setting.updatedBy),
							when: time(Math.floor(setting.updatedAt / 1_000), TimestampStyles.RelativeTime),
						})
					: t(language, 'setting.none'),
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
