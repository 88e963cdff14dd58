import type {
	AutocompleteInteraction,
	ButtonInteraction,
	ChatInputCommandInteraction,
	RESTPostAPIChatInputApplicationCommandsJSONBody,
} from 'discord.js';
import type { Config } from '../config/config.js';
import type { FairUse } from '../fair-use/fair-use.js';
import type { Guard } from '../guard/guard.js';
import type { RunRegistry } from '../generation/runs.js';
import type { Journal } from '../journal/journal.js';
import type { Logger } from '../ops/log.js';
import type { BotMetrics } from '../ops/metrics.js';
import type { Stores } from '../store/index.js';
import type { Talk } from '../talk/talk.js';
import type { BackstorySource } from '../upstream/types.js';

/** What every command handler can use; injected so tests and other front ends can swap any part. */
export interface CommandContext {
	config: Config;
	log: Logger;
	backstories: BackstorySource;
	runs: RunRegistry;
	stores: Stores;
	fairUse: FairUse;
	guard: Guard;
	/** Records each running generation so a restarted bot can repair what a crash left behind. */
	journal: Journal;
	metrics: BotMetrics;
	/** Conversations with saved characters (Convai's Character API). */
	talk: Talk;
	/** How much to slow ordinary story edits while this process is saturated (1: not at all). */
	paceFactor(): number;
}

/**
 * A slash command: its definition as Discord's JSON and its handlers. Buttons are routed by the
 * first part of their custom id, which is the command's name, so they survive restarts.
 */
export interface Command {
	data: RESTPostAPIChatInputApplicationCommandsJSONBody;
	execute(interaction: ChatInputCommandInteraction, context: CommandContext): Promise<void>;
	/** `args` are the custom id's parts after the command name. */
	handleButton?(interaction: ButtonInteraction, args: string[], context: CommandContext): Promise<void>;
	/** True when pressing this button starts new work (refused while the bot shuts down). */
	buttonStartsWork?(args: string[]): boolean;
	autocomplete?(interaction: AutocompleteInteraction, context: CommandContext): Promise<void>;
}
