import backstory from '../commands/backstory.js';
import characters from '../commands/characters.js';
import setting from '../commands/setting.js';
import talk from '../commands/talk.js';
import type { Command } from './interactions/command.js';

/** Every slash command the bot has; the one place a new command is wired in. */
export const commands: readonly Command[] = [backstory, characters, setting, talk];

export function findCommand(name: string): Command | undefined {
	return commands.find((command) => command.data.name === name);
}
