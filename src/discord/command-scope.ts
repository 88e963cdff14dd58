import {
	ApplicationIntegrationType,
	InteractionContextType,
	type RESTPostAPIChatInputApplicationCommandsJSONBody,
} from 'discord.js';

/**
 * Every command works in servers only: stories are written for the people in a channel, the roster
 * and the world setting belong to a server, and the bot is installed per server.
 */
export const SERVER_ONLY: Pick<RESTPostAPIChatInputApplicationCommandsJSONBody, 'contexts' | 'integration_types'> = {
	contexts: [InteractionContextType.Guild],
	integration_types: [ApplicationIntegrationType.GuildInstall],
};
