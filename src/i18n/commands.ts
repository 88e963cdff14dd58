import type {
	APIApplicationCommandOption,
	LocalizationMap,
	RESTPostAPIChatInputApplicationCommandsJSONBody,
} from 'discord.js';
import { FALLBACK_LANGUAGE, LANGUAGES, RESOURCES, type Language, type TextKey } from './catalogue.js';
import { t } from './text.js';

/**
 * Slash command definitions are written without descriptions; `localizeCommand` fills in the English
 * name check, description and every language's `name_localizations` / `description_localizations`
 * from the catalogue. Keys follow the definition's path of (English) names:
 * `command.<command>[.<subcommand>][.<option>].name|description`, e.g. `command.characters.show.name.description`.
 * A choice's label is `command.<…>.<option>.<choice value>`.
 */

/** An option as Discord's JSON, minus the texts; the unit test validates the result against Discord's schema. */
export interface OptionSkeleton {
	type: number;
	name: string;
	options?: readonly OptionSkeleton[];
	choices?: readonly { name: string; value: string | number }[];
	[field: string]: unknown;
}
export type CommandSkeleton = Omit<RESTPostAPIChatInputApplicationCommandsJSONBody, 'description' | 'options' | 'name'> & {
	name: string;
	options?: readonly OptionSkeleton[];
};

/** Discord shows the base name and description to locales that have no entry, so English needs none. */
const TRANSLATED: readonly Language[] = LANGUAGES.filter((language) => language !== FALLBACK_LANGUAGE);

function key(path: readonly string[], leaf: string): TextKey {
	const id = ['command', ...path, leaf].join('.');
	if (!(id in RESOURCES[FALLBACK_LANGUAGE])) throw new Error(`the catalogue has no ${id}`);
	return id as TextKey;
}

function localizations(id: TextKey): LocalizationMap {
	return Object.fromEntries(TRANSLATED.map((language) => [language, t(language, id)]));
}

function localizeNode<Node extends { name: string }>(node: Node, path: readonly string[]) {
	const here = [...path, node.name];
	return {
		...node,
		name_localizations: localizations(key(here, 'name')),
		description: t(FALLBACK_LANGUAGE, key(here, 'description')),
		description_localizations: localizations(key(here, 'description')),
	};
}

function localizeOption(option: OptionSkeleton, path: readonly string[]): APIApplicationCommandOption {
	const localized: Record<string, unknown> = localizeNode(option, path);
	const here = [...path, option.name];
	if (option.options) localized['options'] = option.options.map((child) => localizeOption(child, here));
	if (option.choices) {
		localized['choices'] = option.choices.map((choice) => {
			const id = ['command', ...here, String(choice.value)].join('.');
			// Choices without a catalogue entry (language endonyms) read the same everywhere.
			if (!(id in RESOURCES[FALLBACK_LANGUAGE])) return choice;
			return { ...choice, name: t(FALLBACK_LANGUAGE, id as TextKey), name_localizations: localizations(id as TextKey) };
		});
	}
	return localized as unknown as APIApplicationCommandOption;
}

export function localizeCommand(skeleton: CommandSkeleton): RESTPostAPIChatInputApplicationCommandsJSONBody {
	const localized = localizeNode(skeleton, []);
	return {
		...localized,
		...(skeleton.options ? { options: skeleton.options.map((option) => localizeOption(option, [skeleton.name])) } : {}),
	} as RESTPostAPIChatInputApplicationCommandsJSONBody;
}
