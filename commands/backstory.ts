import {
	ApplicationCommandOptionType,
	escapeMarkdown,
	PermissionFlagsBits,
	type ButtonInteraction,
	type ChatInputCommandInteraction,
} from 'discord.js';
import type { Command, CommandContext } from '../src/interactions/command.js';
import { SERVER_ONLY } from '../src/discord/command-scope.js';
import { normalizeInput } from '../src/discord/input.js';
import { displayNameOf } from '../src/discord/members.js';
import { UserFacingError } from '../src/interactions/errors.js';
import { parseBackstoryButton } from '../src/generation/buttons.js';
import { runGeneration } from '../src/generation/generate.js';
import { settleWithin } from '../src/store/settle-within.js';
import { localizeCommand } from '../src/i18n/commands.js';
import { text } from '../src/i18n/text.js';

export const NAME_MAX_LENGTH = 100;
export const DESCRIPTION_MAX_LENGTH = 1_000;
/** A stuck store must not eat the 3 seconds Discord gives a button press. */
const PROMPT_LOOKUP_TIMEOUT_MS = 1_000;

/** Descriptions and every language's names come from the catalogue (`command.backstory.…`). */
const data = localizeCommand({
	name: 'backstory',
	...SERVER_ONLY,
	options: [
		{
			type: ApplicationCommandOptionType.String,
			name: 'name',
			required: true,
			min_length: 1,
			max_length: NAME_MAX_LENGTH,
		},
		{
			type: ApplicationCommandOptionType.String,
			name: 'description',
			required: true,
			min_length: 1,
			max_length: DESCRIPTION_MAX_LENGTH,
		},
		{
			type: ApplicationCommandOptionType.Boolean,
			name: 'private',
			required: false,
		},
	],
});

async function execute(interaction: ChatInputCommandInteraction, context: CommandContext): Promise<void> {
	const characterName = normalizeInput(interaction.options.getString('name', true)).slice(0, NAME_MAX_LENGTH);
	const description = normalizeInput(interaction.options.getString('description', true)).slice(0, DESCRIPTION_MAX_LENGTH);
	if (characterName === '' || description === '') {
		throw new UserFacingError(characterName === '' ? 'backstory.emptyName' : 'backstory.emptyDescription');
	}
	const isPrivate = interaction.options.getBoolean('private') ?? false;
	await runGeneration(interaction, { characterName, description, private: isPrivate }, context);
}

async function handleButton(interaction: ButtonInteraction, args: string[], context: CommandContext): Promise<void> {
	const button = parseBackstoryButton(args);
	if (!button) throw new UserFacingError('backstory.buttonOutdated');
	const { action, runId, authorId } = button;
	const isAuthor = interaction.user.id === authorId;
	if (!isAuthor && !interaction.memberPermissions?.has(PermissionFlagsBits.ManageMessages)) {
		throw new UserFacingError(action === 'stop' ? 'backstory.notYoursStop' : 'backstory.notYoursRegenerate');
	}

	if (action === 'stop') {
		const who = escapeMarkdown(displayNameOf(interaction));
		// Translated by the generation into the channel's language: everyone reading the story sees it.
		if (!context.runs.cancel(runId, text('notice.stoppedBy', { who }))) {
			throw new UserFacingError('backstory.alreadyFinished');
		}
		await interaction.deferUpdate();
		return;
	}

	const prompt = await settleWithin(context.stores.prompts.get(runId), PROMPT_LOOKUP_TIMEOUT_MS);
	if (!prompt.ok) {
		throw new UserFacingError('backstory.regenerateStoreDown');
	}
	if (prompt.value === undefined) throw new UserFacingError('backstory.regenerateTooOld');
	await runGeneration(interaction, { ...prompt.value, private: button.private }, context);
}

/** Regenerate starts a new generation, so it is turned away while the bot shuts down; Stop is not. */
function buttonStartsWork(args: string[]): boolean {
	return parseBackstoryButton(args)?.action === 'regen';
}

export default { data, execute, handleButton, buttonStartsWork } satisfies Command;
