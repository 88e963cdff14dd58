import type { APIApplicationCommand, Client } from 'discord.js';
import { commands } from '../commands.js';
import type { Logger } from '../ops/log.js';

export type RegistrationResult = 'unchanged' | 'updated';

/**
 * Makes Discord's command list match ours with one bulk overwrite, in one server when a guild id is
 * given (instant) or globally. Skipped when nothing changed: creates count against a daily limit.
 */
export async function registerCommands(
	client: Client<true>,
	options: { guildId: string | undefined; force?: boolean; log: Logger },
): Promise<RegistrationResult> {
	const manager = client.application.commands;
	const scope = options.guildId ? `server ${options.guildId}` : 'all servers (global)';
	if (!options.force) {
		// Without withLocalizations Discord leaves the localization maps out, and equals() (which compares
		// them) would see a change on every start.
		const existing = await manager.fetch({ ...(options.guildId ? { guildId: options.guildId } : {}), withLocalizations: true });
		const upToDate =
			existing.size === commands.length &&
			commands.every((command) =>
				// equals() compares raw definitions field by field; the id and version it would also check are absent.
				existing.find((found) => found.name === command.data.name)?.equals(command.data as APIApplicationCommand),
			);
		if (upToDate) {
			options.log.info('slash commands already up to date', { scope });
			return 'unchanged';
		}
	}
	const data = commands.map((command) => command.data);
	if (options.guildId) await manager.set(data, options.guildId);
	else await manager.set(data);
	options.log.info('slash commands registered', { scope, commands: data.map((command) => command.name) });
	return 'updated';
}
