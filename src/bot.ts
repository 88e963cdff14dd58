import { Client, Events, GatewayIntentBits } from 'discord.js';
import type { Config } from './config/config.js';
import { createFairUse } from './fair-use/fair-use.js';
import { handleInteraction } from './interactions/handle.js';
import type { Logger } from './ops/log.js';
import { registerCommands } from './interactions/register.js';
import { createRunRegistry } from './generation/runs.js';
import { createStores, DEFAULT_NAMESPACE_PREFIX, DEFAULT_STORE_TIMEOUT_MS } from './store/index.js';
import { createTalk } from './talk/talk.js';
import { createTalkStore } from './talk/talk-store.js';
import { createCharacterClient } from './upstream/character-client.js';
import { clientOptions } from './discord/client-options.js';
import { createConvaiClient } from './upstream/convai-client.js';
import type { BackstorySource } from './upstream/types.js';

import { text } from './i18n/text.js';

export const RESTART_NOTICE = text('notice.restarting');
/** Leaves room inside the 10 s that process managers usually grant before SIGKILL. */
const SHUTDOWN_GRACE_MS = 8_000;

export interface Bot {
	readonly client: Client;
	start(): Promise<void>;
	/** Stops taking commands, ends every running backstory with a notice, and closes the connection. */
	shutdown(): Promise<void>;
}

export function createBot(config: Config, log: Logger, backstories?: BackstorySource): Bot {
	const client = new Client({
		// Guilds keeps READY from waiting on server data the bot would otherwise never receive.
		intents: [GatewayIntentBits.Guilds],
		...clientOptions(config),
	});
	const runs = createRunRegistry();
	const stores = createStores(config.storeUrl, {
		rosterCap: config.maxCharactersPerServer,
		onError: (error) => log.warn('store error', { error }),
	});
	const talkStore = createTalkStore(config.storeUrl, {
		namespace: `${DEFAULT_NAMESPACE_PREFIX}:talk`,
		timeoutMs: DEFAULT_STORE_TIMEOUT_MS,
		onError: (error) => log.warn('store error', { error }),
	});
	const characterApi = createCharacterClient({
		baseUrl: config.convaiApiUrl,
		apiKey: config.convaiApiKey,
		idleTimeoutMs: config.convaiIdleTimeoutMs,
	});
	let shuttingDown = false;
	const context = {
		config,
		log,
		runs,
		stores,
		fairUse: createFairUse(config, stores, log),
		backstories:
			backstories ??
			createConvaiClient({
				baseUrl: config.convaiApiUrl,
				apiKey: config.convaiApiKey,
				idleTimeoutMs: config.convaiIdleTimeoutMs,
				totalTimeoutMs: config.convaiTotalTimeoutMs,
			}),
		talk: createTalk({ store: talkStore, api: characterApi, log }),
		isShuttingDown: () => shuttingDown,
	};

	client.once(Events.ClientReady, (ready) => {
		log.info('connected to Discord', { user: ready.user.tag, applicationId: ready.application.id, shards: ready.shard?.ids });
		// With shards, only shard 0 registers the commands: once per bot, not once per process.
		if (ready.shard && !ready.shard.ids.includes(0)) return;
		registerCommands(ready, { guildId: config.discordGuildId, log }).catch((error: unknown) =>
			log.error('could not register slash commands', { error }),
		);
	});
	client.on(Events.InteractionCreate, (interaction) => {
		handleInteraction(interaction, context).catch((error: unknown) =>
			log.error('interaction handler crashed', { interactionId: interaction.id, error }),
		);
	});
	// Without an 'error' listener discord.js turns any rejected listener into a process crash.
	client.on(Events.Error, (error) => log.error('discord client error', { error }));
	client.on(Events.Warn, (message) => log.warn('discord client warning', { message }));
	client.rest.on('rateLimited', (info) =>
		log.debug('discord rate limit', { route: info.route, retryAfterMs: info.retryAfter, global: info.global }),
	);

	return {
		client,
		async start() {
			await client.login(config.discordToken);
		},
		async shutdown() {
			if (shuttingDown) return;
			shuttingDown = true;
			log.info('shutting down', { running: runs.size });
			runs.cancelAll(RESTART_NOTICE);
			const allEnded = await runs.waitForIdle(SHUTDOWN_GRACE_MS);
			if (!allEnded) log.warn('some backstories did not finish before shutdown', { running: runs.size });
			await client.destroy();
			await Promise.all([stores.close(), talkStore.close()]);
			log.info('shut down');
		},
	};
}
