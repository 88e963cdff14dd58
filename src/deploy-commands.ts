import { Client, Events, GatewayIntentBits } from 'discord.js';
import { createLogger } from './ops/log.js';
import { registerCommands } from './interactions/register.js';
import { loadConfigOrExit } from './config/load.js';
import { clientOptions } from './discord/client-options.js';

/**
 * `npm run deploy-commands`: registers the slash commands now, without starting the bot. The bot
 * also does this at start-up; this is for changing DISCORD_GUILD_ID or forcing a refresh.
 */
const config = loadConfigOrExit();

const log = createLogger({ level: config.logLevel, secrets: [config.discordToken, config.convaiApiKey] });
const client = new Client({ intents: [GatewayIntentBits.Guilds], ...clientOptions(config) });
client.once(Events.ClientReady, async (ready) => {
	let exitCode = 0;
	try {
		await registerCommands(ready, { guildId: config.discordGuildId, force: true, log });
	} catch (error) {
		log.error('could not register slash commands', { error });
		exitCode = 1;
	}
	await client.destroy();
	process.exit(exitCode);
});
client.login(config.discordToken).catch((error: unknown) => {
	log.error('could not connect to Discord: check DISCORD_TOKEN', { error });
	process.exit(1);
});
