import {
	ApplicationCommandOptionType,
	escapeMarkdown,
	PermissionFlagsBits,
	type ButtonInteraction,
	type ChatInputCommandInteraction,
	type RESTPostAPIChatInputApplicationCommandsJSONBody,
} from 'discord.js';
import type { Command, CommandContext } from '../src/interactions/command.js';
import { SERVER_ONLY } from '../src/discord/command-scope.js';
import { normalizeInput } from '../src/discord/input.js';
import { displayNameOf } from '../src/discord/members.js';
import { UserFacingError } from '../src/interactions/errors.js';
import { parseBackstoryButton } from '../src/generation/buttons.js';
import { runGeneration } from '../src/generation/generate.js';
import { settleWithin } from '../src/store/settle-within.js';

export const NAME_MAX_LENGTH = 100;
export const DESCRIPTION_MAX_LENGTH = 1_000;
/** A stuck store must not eat the 3 seconds Discord gives a button press. */
const PROMPT_LOOKUP_TIMEOUT_MS = 1_000;

const data = {
	name: 'backstory',
	description: 'Write a backstory for a character, streamed into this channel.',
	...SERVER_ONLY,
	options: [
		{
			type: ApplicationCommandOptionType.String,
			name: 'name',
			description: "The character's name, e.g. Mindy",
			required: true,
			min_length: 1,
			max_length: NAME_MAX_LENGTH,
		},
		{
			type: ApplicationCommandOptionType.String,
			name: 'description',
			description: 'A few words about them, e.g. Lawyer in New York City. Achiever. Stubborn.',
			required: true,
			min_length: 1,
			max_length: DESCRIPTION_MAX_LENGTH,
		},
		{
			type: ApplicationCommandOptionType.Boolean,
			name: 'private',
			description: 'Only you can see the backstory (for secrets a game master keeps)',
			required: false,
		},
	],
} as const satisfies RESTPostAPIChatInputApplicationCommandsJSONBody;

async function execute(interaction: ChatInputCommandInteraction, context: CommandContext): Promise<void> {
	const characterName = normalizeInput(interaction.options.getString('name', true)).slice(0, NAME_MAX_LENGTH);
	const description = normalizeInput(interaction.options.getString('description', true)).slice(0, DESCRIPTION_MAX_LENGTH);
	if (characterName === '' || description === '') {
		throw new UserFacingError(`Please give the character a ${characterName === '' ? 'name' : 'description'} with some letters in it.`);
	}
	const isPrivate = interaction.options.getBoolean('private') ?? false;
	await runGeneration(interaction, { characterName, description, private: isPrivate }, context);
}

async function handleButton(interaction: ButtonInteraction, args: string[], context: CommandContext): Promise<void> {
	const button = parseBackstoryButton(args);
	if (!button) throw new UserFacingError('This button is from an older version of the bot and no longer works.');
	const { action, runId, authorId } = button;
	const isAuthor = interaction.user.id === authorId;
	if (!isAuthor && !interaction.memberPermissions?.has(PermissionFlagsBits.ManageMessages)) {
		const verb = action === 'stop' ? 'stop' : 'regenerate';
		throw new UserFacingError(`Only the person who asked for this backstory, or someone who can manage messages here, can ${verb} it.`);
	}

	if (action === 'stop') {
		const who = escapeMarkdown(displayNameOf(interaction));
		if (!context.runs.cancel(runId, `stopped by ${who}`)) {
			throw new UserFacingError('This backstory has already finished.');
		}
		await interaction.deferUpdate();
		return;
	}

	const prompt = await settleWithin(context.stores.prompts.get(runId), PROMPT_LOOKUP_TIMEOUT_MS);
	if (!prompt.ok) {
		throw new UserFacingError('The character store is unavailable right now, so this cannot be regenerated. Try again later or run /backstory.');
	}
	if (prompt.value === undefined) throw new UserFacingError('This backstory is too old to regenerate. Run /backstory again.');
	await runGeneration(interaction, { ...prompt.value, private: button.private }, context);
}

/** Regenerate starts a new generation, so it is turned away while the bot shuts down; Stop is not. */
function buttonStartsWork(args: string[]): boolean {
	return parseBackstoryButton(args)?.action === 'regen';
}

export default { data, execute, handleButton, buttonStartsWork } satisfies Command;
