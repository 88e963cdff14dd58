import type { Server } from 'node:http';
import type { CommandsState } from './context.js';
import type { FakeGateway } from './gateway.js';
import { renderMessage } from './interactions.js';
import {
	commandData,
	DEFAULT_CHANNEL_ID,
	DEFAULT_GUILD_ID,
	DEFAULT_USER,
	interactionBase,
	interactionToken,
	MEMBER_PERMISSIONS,
	snowflake,
	type BotIdentity,
	type InteractionContext,
} from './payloads.js';
import type { RestPipeline } from './server.js';
import type { Store } from './store.js';
import type {
	DisconnectOptions,
	FailOptions,
	FailureResponse,
	FakeDiscord,
	FakeMessage,
	Interaction,
	Latency,
	RecordedRequest,
	RequestMatch,
	SendAutocompleteInput,
	SendCommandInput,
	SendComponentInput,
	Violation,
} from './types.js';

interface Waiter {
	check: () => void;
	fail: (error: Error) => void;
}

export interface FakeParts {
	server: Server;
	gateway: FakeGateway;
	pipeline: RestPipeline;
	store: Store;
	bot: BotIdentity;
	commands: CommandsState;
	requests: RecordedRequest[];
	violations: Violation[];
	apiUrl: string;
	timers: Set<NodeJS.Timeout>;
}

export class FakeDiscordImpl implements FakeDiscord {
	readonly apiUrl: string;
	readonly applicationId: string;
	readonly botUserId: string;
	readonly requests: RecordedRequest[];
	readonly violations: Violation[];
	readonly interactions: Map<string, Interaction>;
	readonly messages: Map<string, FakeMessage>;
	readonly commands: CommandsState;
	readonly #parts: FakeParts;
	readonly #waiters = new Set<Waiter>();
	#closing: Promise<void> | undefined;

	constructor(parts: FakeParts) {
		this.#parts = parts;
		this.apiUrl = parts.apiUrl;
		this.applicationId = parts.bot.applicationId;
		this.botUserId = parts.bot.botUserId;
		this.requests = parts.requests;
		this.violations = parts.violations;
		this.interactions = parts.store.interactions;
		this.messages = parts.store.messages;
		this.commands = parts.commands;
	}

	get gatewayUrl(): string {
		return this.#parts.gateway.url;
	}

	get identifies(): unknown[] {
		return this.#parts.gateway.identifies;
	}

	sendCommand(input: SendCommandInput): Interaction {
		const ctx = this.#context(input);
		const id = snowflake();
		const token = interactionToken();
		const registered = this.#registeredCommand(input.name, ctx.guildId);
		const data = commandData(registered?.id ?? snowflake(), input.name, input.options ?? [], registered?.guildId ?? null);
		return this.#dispatch({ ...interactionBase(ctx, id, token, 2), data });
	}

	sendComponent(input: SendComponentInput): Interaction {
		const message = this.messages.get(input.messageId);
		if (!message) throw new Error(`fake Discord: no message ${input.messageId} to click a component on`);
		const origin = this.interactions.get(message.interactionId)?.payload;
		// By default the click happens where the message is.
		const ctx = this.#context({ guildId: origin?.guild_id ?? null, channelId: message.channelId, ...input });
		const id = snowflake();
		const token = interactionToken();
		const data = {
			custom_id: input.customId,
			component_type: input.componentType ?? 2,
			...(input.values ? { values: input.values } : {}),
		};
		const shown = renderMessage(this.#parts.store, this.#parts.bot, message);
		return this.#dispatch({ ...interactionBase(ctx, id, token, 3), message: shown, data });
	}

	sendAutocomplete(input: SendAutocompleteInput): Interaction {
		const ctx = this.#context(input);
		const registered = this.#registeredCommand(input.name, ctx.guildId);
		const data = commandData(registered?.id ?? snowflake(), input.name, input.options, registered?.guildId ?? null);
		return this.#dispatch({ ...interactionBase(ctx, snowflake(), interactionToken(), 4), data });
	}

	waitForReady(timeoutMs = 10_000): Promise<void> {
		return this.#waitForGateway(timeoutMs, () => this.#parts.gateway.activeSession !== undefined, 'no gateway session reached READY');
	}

	get shardCount(): number {
		return this.#parts.gateway.shardCount;
	}

	waitForShards(timeoutMs = 30_000): Promise<void> {
		return this.#waitForGateway(timeoutMs, () => this.#parts.gateway.allShardsLive(), `not all ${this.shardCount} shards reached READY`);
	}

	shardOf(guildId: string | null): number {
		return this.#parts.gateway.shardOf(guildId);
	}

	#waitForGateway(timeoutMs: number, ready: () => boolean, failure: string): Promise<void> {
		return new Promise((resolve, reject) => {
			const timer = setTimeout(() => {
				cancel();
				reject(new Error(`fake Discord: ${failure} within ${timeoutMs} ms`));
			}, timeoutMs);
			const cancel = this.#parts.gateway.onReady(() => {
				clearTimeout(timer);
				resolve();
			}, ready);
		});
	}

	messagesOf(interactionId: string): FakeMessage[] {
		const interaction = this.interactions.get(interactionId);
		if (!interaction) throw new Error(`fake Discord: unknown interaction ${interactionId}`);
		return interaction.followUpIds.map((id) => this.messages.get(id)).filter((m): m is FakeMessage => m !== undefined);
	}

	visibleText(interactionId: string): string {
		return this.messagesOf(interactionId)
			.filter((m) => !m.deleted)
			.map((m) => m.content)
			.join('\n');
	}

	failNextRequests(match: (req: RequestMatch) => boolean, response: FailureResponse, count = 1, options?: FailOptions): void {
		this.#parts.pipeline.failNext(match, response, count, options);
	}

	setLatency(latency: Latency): void {
		this.#parts.pipeline.setLatency(latency);
	}

	deleteMessage(messageId: string): void {
		const message = this.messages.get(messageId);
		if (!message) throw new Error(`fake Discord: no message ${messageId} to delete`);
		this.#parts.store.delete(message, performance.now());
	}

	expireToken(token: string): void {
		this.#parts.store.expire(token);
	}

	waitFor(predicate: () => boolean, timeoutMs = 5_000): Promise<void> {
		return new Promise((resolve, reject) => {
			const finish = (error?: Error) => {
				clearInterval(interval);
				clearTimeout(timer);
				this.#waiters.delete(waiter);
				if (error) reject(error);
				else resolve();
			};
			const waiter: Waiter = {
				check: () => {
					try {
						if (predicate()) finish();
					} catch (error) {
						finish(error as Error);
					}
				},
				fail: finish,
			};
			const interval = setInterval(waiter.check, 20);
			const timer = setTimeout(() => {
				finish(new Error(`fake Discord: waitFor timed out after ${timeoutMs} ms\n${this.describeRecent()}`));
			}, timeoutMs);
			this.#waiters.add(waiter);
			waiter.check();
		});
	}

	/** Re-checks waitFor predicates; the pipeline calls it after answering each request. */
	notify(): void {
		for (const waiter of [...this.#waiters]) waiter.check();
	}

	/** The last requests, one line each, for failure messages. */
	describeRecent(count = 15): string {
		const lines = this.requests.slice(-count).map((r) => {
			const status = r.status === 0 ? 'pending' : String(r.status) + (r.errorCode !== undefined ? `/${r.errorCode}` : '');
			const body = r.body === undefined ? '' : ` ${JSON.stringify(r.body).slice(0, 160)}`;
			return `  ${r.at.toFixed(0)}ms ${r.method} ${shortPath(r.path)} -> ${status}${r.note ? ` (${r.note})` : ''}${body}`;
		});
		return `recent requests (${this.requests.length} total):\n${lines.join('\n') || '  none'}`;
	}

	disconnectGateway(options: DisconnectOptions = {}): void {
		this.#parts.gateway.disconnect(options.resumable ?? true);
	}

	close(): Promise<void> {
		this.#closing ??= this.#close();
		return this.#closing;
	}

	async #close(): Promise<void> {
		for (const waiter of [...this.#waiters]) waiter.fail(new Error('fake Discord closed while waiting'));
		for (const timer of this.#parts.timers) clearTimeout(timer);
		this.#parts.timers.clear();
		await this.#parts.gateway.close();
		const { server } = this.#parts;
		await new Promise<void>((resolve) => {
			server.close(() => resolve());
			server.closeAllConnections();
		});
	}

	#context(input: SendCommandInput | SendAutocompleteInput | Partial<SendComponentInput>): InteractionContext {
		return {
			applicationId: this.applicationId,
			guildId: input.guildId === undefined ? DEFAULT_GUILD_ID : input.guildId,
			channelId: input.channelId ?? DEFAULT_CHANNEL_ID,
			user: { ...DEFAULT_USER, ...input.user },
			memberPermissions: input.memberPermissions ?? MEMBER_PERMISSIONS,
			installation: input.installation ?? 'guild',
			locale: input.locale ?? 'en-US',
			guildLocale: input.guildLocale ?? 'en-US',
		};
	}

	#registeredCommand(name: string, guildId: string | null): { id: string; guildId: string | null } | undefined {
		const find = (list: unknown[] | undefined) => (list as Array<Record<string, unknown>> | undefined)?.find((c) => c['name'] === name);
		const inGuild = guildId === null ? undefined : find(this.commands.guild.get(guildId));
		if (inGuild) return { id: String(inGuild['id']), guildId };
		const global = find(this.commands.global);
		return global ? { id: String(global['id']), guildId: null } : undefined;
	}

	#dispatch(payload: Record<string, any>): Interaction {
		const interaction: Interaction = {
			id: payload['id'],
			token: payload['token'],
			type: payload['type'],
			payload,
			createdAt: performance.now(),
			followUpIds: [],
			followUpEditedLoadingOriginal: false,
		};
		// Discord routes a server's events to one shard; DMs to shard 0.
		this.#parts.gateway.dispatch('INTERACTION_CREATE', payload, payload['guild_id'] ?? null);
		this.#parts.store.addInteraction(interaction);
		return interaction;
	}
}

/** Tokens are long; keep failure messages readable. */
function shortPath(path: string): string {
	return path.replace(/\/(aW50ZXJhY3Rpb246[\w-]{6})[\w-]+/g, '/$1…');
}
