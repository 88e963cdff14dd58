import { getHeapStatistics } from 'node:v8';
import { Client, Events, GatewayIntentBits, Status } from 'discord.js';
import type { Config } from './config/config.js';
import { createFairUse } from './fair-use/fair-use.js';
import { createGuard } from './guard/guard.js';
import { handleInteraction } from './interactions/handle.js';
import type { Logger } from './ops/log.js';
import { registerCommands } from './interactions/register.js';
import { createRunRegistry } from './generation/runs.js';
import { regenerateButtonRow } from './generation/buttons.js';
import {
	createStores,
	createKeyvFromUrl,
	DEFAULT_NAMESPACE_PREFIX,
	DEFAULT_STORE_TIMEOUT_MS,
	disconnectKeyv,
} from './store/index.js';
import { onStoreFailure } from './store/bounded.js';
import { createTalk } from './talk/talk.js';
import { createTalkStore } from './talk/talk-store.js';
import { createCharacterClient } from './upstream/character-client.js';
import { clientOptions } from './discord/client-options.js';
import { rateLimitedWriteKind } from './discord/reply-target.js';
import { watchLoopLoad } from './ops/loop-load.js';
import { createJournal } from './journal/journal.js';
import { createKeyvJournalStore, JOURNAL_NAMESPACE_SUFFIX } from './journal/store.js';
import { startJournalMaintenance, type JournalMaintenance } from './journal/maintenance.js';
import { webhookStoryMessages } from './journal/discord-messages.js';
import { createMetrics, type BotMetrics } from './ops/metrics.js';
import { startOpsServer, type HealthSources, type OpsServer } from './ops/http.js';
import { answerOpsRequests } from './ops/ipc.js';
import { createConvaiClient } from './upstream/convai-client.js';
import type { BackstorySource } from './upstream/types.js';

import { text } from './i18n/text.js';

export const RESTART_NOTICE = text('notice.restarting');
/** Leaves room inside the 10 s that process managers usually grant before SIGKILL. */
const SHUTDOWN_GRACE_MS = 8_000;

/** The operator endpoints could not start (port taken, bad address): not a Discord problem. */
export class OpsEndpointError extends Error {
	public override readonly name = 'OpsEndpointError';
}

export interface Bot {
	readonly client: Client;
	readonly metrics: BotMetrics;
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
	const loopLoad = watchLoopLoad();
	const metrics = createMetrics({ paceFactor: () => loopLoad.paceFactor() });
	onStoreFailure(() => metrics.storeError());
	const onStoreAdapterError = (error: unknown): void => log.warn('store error', { error });
	const stores = createStores(config.storeUrl, { rosterCap: config.maxCharactersPerServer, onError: onStoreAdapterError });
	const journalKeyv = createKeyvFromUrl(config.storeUrl, {
		namespace: `${DEFAULT_NAMESPACE_PREFIX}:${JOURNAL_NAMESPACE_SUFFIX}`,
		onError: onStoreAdapterError,
	});
	const journal = createJournal(createKeyvJournalStore(journalKeyv, () => disconnectKeyv(journalKeyv)), { log });
	let maintenance: JournalMaintenance | undefined;
	let opsServer: OpsServer | undefined;
	let stopAnsweringOps: (() => void) | undefined;
	const health: HealthSources = {
		gatewayReady: () => client.ws.status === Status.Ready,
		pingStore: () => journal.store.ping().then(() => true),
	};
	const talkStore = createTalkStore(config.storeUrl, {
		namespace: `${DEFAULT_NAMESPACE_PREFIX}:talk`,
		timeoutMs: DEFAULT_STORE_TIMEOUT_MS,
		onError: onStoreAdapterError,
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
		guard: createGuard(config, stores.usage, log),
		backstories:
			backstories ??
			createConvaiClient({
				baseUrl: config.convaiApiUrl,
				apiKey: config.convaiApiKey,
				idleTimeoutMs: config.convaiIdleTimeoutMs,
				totalTimeoutMs: config.convaiTotalTimeoutMs,
			}),
		journal,
		metrics,
		talk: createTalk({ store: talkStore, api: characterApi, log }),
		paceFactor: () => loopLoad.paceFactor(),
		isShuttingDown: () => shuttingDown,
	};

	client.once(Events.ClientReady, (ready) => {
		log.info('connected to Discord', {
			user: ready.user.tag,
			applicationId: ready.application.id,
			shards: ready.shard?.ids,
			// The V8 heap cap this process runs with (`npm start` sets --max-old-space-size): operators sizing a host read it here.
			heapLimitMB: Math.round(getHeapStatistics().heap_size_limit / 2 ** 20),
		});
		// With shards, only shard 0 registers the commands: once per bot, not once per process.
		if (!ready.shard || ready.shard.ids.includes(0)) {
			registerCommands(ready, { guildId: config.discordGuildId, log }).catch((error: unknown) =>
				log.error('could not register slash commands', { error }),
			);
		}
		if (shuttingDown) return;
		// In the background: commands are served while the runs of a crashed predecessor are repaired.
		maintenance = startJournalMaintenance(
			journal,
			{
				messages: webhookStoryMessages(client.rest, metrics),
				prompts: stores.prompts,
				regenerateRow: (entry, label) => regenerateButtonRow({ runId: entry.runId, authorId: entry.authorId, private: entry.private }, label),
				log,
				onRepaired: () => metrics.generation('interrupted'),
			},
			log,
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
	// discord.js answers a 429 by waiting and retrying, so the writer never sees it: count it here.
	client.rest.on('response', (request, response) => {
		const kind = response.status === 429 ? rateLimitedWriteKind(request) : undefined;
		if (kind) metrics.discordWrite(kind, 'rate_limited');
	});

	return {
		client,
		metrics,
		async start() {
			if (config.sharding.role === 'shard') {
				// The manager serves METRICS_PORT for the whole bot and asks each shard over IPC.
				stopAnsweringOps = answerOpsRequests(metrics.registry, health, log);
			} else if (config.metricsPort !== undefined) {
				opsServer = await startOpsServer({
					host: config.metricsHost,
					port: config.metricsPort,
					registry: metrics.registry,
					log,
					health,
				}).catch((error: unknown) => {
					throw new OpsEndpointError(`could not listen on METRICS_HOST:METRICS_PORT (${config.metricsHost}:${config.metricsPort})`, { cause: error });
				});
				log.info('operator endpoints listening', { host: config.metricsHost, port: opsServer.port });
			}
			await client.login(config.discordToken);
		},
		async shutdown() {
			if (shuttingDown) return;
			shuttingDown = true;
			log.info('shutting down', { running: runs.size });
			runs.cancelAll(RESTART_NOTICE);
			const allEnded = await runs.waitForIdle(SHUTDOWN_GRACE_MS);
			if (!allEnded) log.warn('some backstories did not finish before shutdown', { running: runs.size });
			maintenance?.stop();
			loopLoad.stop();
			// Every run has ended and removed its record; a forced stop leaves them to the next start.
			await journal.close();
			await client.destroy();
			stopAnsweringOps?.();
			await Promise.all([stores.close(), talkStore.close(), journal.store.close(), opsServer?.close()]);
			log.info('shut down');
		},
	};
}
