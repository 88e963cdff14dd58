/** Public shapes of the fake Discord. Times (`at`, `createdAt`) are `performance.now()` milliseconds. */

export interface FakeDiscordOptions {
	/** Snowflake of the bot's application (also its user id, as for most real bots). */
	applicationId?: string;
	/**
	 * Per-interaction-token bucket for `/webhooks/{app}/{token}...` routes, as a sliding window.
	 * Defaults to 5 requests per 2000 ms, what interaction webhooks allow in practice; `false` turns it off.
	 */
	rateLimit?: { limit: number; windowMs: number } | false;
	/** Delay added before answering each REST request: fixed, or chosen per request (slow Discord). */
	latencyMs?: Latency;
	/** Discord invalidates an interaction that is not answered in 3 s; `false` turns the check off. */
	callbackDeadlineMs?: number | false;
	/** Lifetime of an interaction token after the interaction was sent (Discord: 15 min). */
	tokenTtlMs?: number;
	/** Where the OpenAPI document lives; defaults to `$DISCORD_OPENAPI_PATH` or the shared reference copy. */
	openApiPath?: string;
	/**
	 * Shards the bot must connect with (GET /gateway/bot recommends it; default 1). Each server's events
	 * reach only shard `(guild_id >> 22) % shards`; an IDENTIFY with another count is closed 4010/4011.
	 */
	shards?: number;
}

export interface UserInput {
	id: string;
	username?: string;
	globalName?: string;
}

interface CommonInteractionInput {
	/** `null` sends the interaction from a DM with the bot (payload carries `user`, not `member`). */
	guildId?: string | null;
	channelId?: string;
	user?: UserInput;
	/** Permission bitfield as a decimal string; defaults to what a plain member has. */
	memberPermissions?: string;
	/**
	 * `'user'`: the app is only user-installed where this runs (`authorizing_integration_owners` is
	 * `{'1': userId}`), so Discord caps follow-ups at 5 (error 40094).
	 */
	installation?: 'guild' | 'user';
	/** The user's Discord language (`locale`); en-US unless a test says otherwise. */
	locale?: string;
	/** The server's Discord language (`guild_locale`); en-US unless a test says otherwise. */
	guildLocale?: string;
}

export interface CommandOption {
	name: string;
	type: number;
	value?: unknown;
	focused?: boolean;
	options?: CommandOption[];
}

export interface SendCommandInput extends CommonInteractionInput {
	name: string;
	options?: CommandOption[];
}

export interface SendComponentInput extends CommonInteractionInput {
	customId: string;
	/** The message the component is on; it must exist in the fake's store. */
	messageId: string;
	/** 2 button (default), 3 string select, ... */
	componentType?: number;
	/** Selected values, for select menus. */
	values?: string[];
}

export interface SendAutocompleteInput extends CommonInteractionInput {
	name: string;
	options: CommandOption[];
}

export interface InteractionCallbackRecord {
	type: number;
	data?: any;
	at: number;
}

export interface Interaction {
	id: string;
	token: string;
	/** 2 command, 3 component, 4 autocomplete. */
	type: number;
	/** Exactly what went over the gateway as `d` of INTERACTION_CREATE. */
	payload: any;
	callback?: InteractionCallbackRecord;
	createdAt: number;
	originalMessageId?: string;
	/** Message ids in creation order: the original first, then follow-ups. */
	followUpIds: string[];
	/** Set when a follow-up arrived while the deferred original was still loading, so Discord edited the original instead. */
	followUpEditedLoadingOriginal: boolean;
	/** Choices from an autocomplete callback (type 8). */
	autocompleteChoices?: unknown[];
}

export interface Mentions {
	users: string[];
	roles: string[];
	everyone: boolean;
}

export interface MessageState {
	at: number;
	content: string;
	components: unknown[];
	embeds: unknown[];
	flags: number;
	/** The allowed_mentions in force for this state (Discord's webhook default `{parse:['users']}` when omitted). */
	allowedMentions: unknown;
	/** Who this state actually pinged, after allowed_mentions. */
	mentions: Mentions;
	attachments: StoredAttachment[];
}

export interface StoredAttachment {
	id: string;
	filename: string;
	size: number;
	contentType?: string;
	description?: string;
	data?: Buffer;
}

export interface FakeMessage {
	id: string;
	channelId: string;
	/** The interaction that created the message. */
	interactionId: string;
	token: string;
	isOriginal: boolean;
	/** Discord message type: 20 for an interaction's original response, 0 for follow-ups. */
	type: number;
	content: string;
	flags: number;
	components: unknown[];
	embeds: unknown[];
	allowedMentions: unknown;
	attachments: StoredAttachment[];
	deleted: boolean;
	deletedAt?: number;
	createdAt: number;
	editedAt?: number;
	/** What a user saw at each moment: every state after a successful write, in order. */
	history: MessageState[];
}

export interface RecordedRequest {
	at: number;
	method: string;
	/** Decoded path below `/api/v10`, without the query, e.g. `/webhooks/1/abc/messages/@original`. */
	path: string;
	query: Record<string, string>;
	body: any;
	/** Files of a multipart request. */
	files?: StoredAttachment[];
	/** Interaction token taken from the path, when the route has one. */
	token?: string;
	/** 0 until answered. */
	status: number;
	/** performance.now() when the answer was sent (after any latency). */
	answeredAt?: number;
	/** Discord JSON error code of the answer, if it was an error. */
	errorCode?: number;
	/** Why the fake answered as it did, when it is not obvious (quirks, injected faults). */
	note?: string;
}

/**
 * `schema`: body fails the OpenAPI requestBody schema; `unexpected-route`: no such route in the fake;
 * `empty-message`: Discord's 50006; `bad-request`: other 400s a correct bot never causes;
 * `fake-internal-error`: a bug in the fake itself.
 */
export type ViolationKind = 'schema' | 'unexpected-route' | 'empty-message' | 'bad-request' | 'fake-internal-error';

export interface Violation {
	at: number;
	kind: ViolationKind;
	method: string;
	path: string;
	body: unknown;
	/** ajv errors for `schema`, readable strings otherwise. */
	errors: unknown[];
	request: RecordedRequest;
}

export interface FailureResponse {
	status: number;
	code?: number;
	message?: string;
	retryAfterMs?: number;
}

export interface RequestMatch {
	method: string;
	path: string;
}

export type Latency = number | ((req: RequestMatch) => number);

export interface FailOptions {
	/** Matching requests to let through first, so the fault hits the (after + 1)-th one from now. */
	after?: number;
}

export interface DisconnectOptions {
	/** Keep the session so discord.js resumes it (close code 4000, default); `false` closes with 1000 and forgets it. */
	resumable?: boolean;
}

export interface FakeDiscord {
	/** e.g. `http://127.0.0.1:PORT/api`: pass as `rest.api` / `DISCORD_API_URL`. */
	apiUrl: string;
	gatewayUrl: string;
	applicationId: string;
	botUserId: string;
	requests: RecordedRequest[];
	violations: Violation[];
	interactions: Map<string, Interaction>;
	messages: Map<string, FakeMessage>;
	commands: { global: unknown[]; guild: Map<string, unknown[]>; putCount: number };
	/** IDENTIFY payloads received, in order (token, intents, properties...). */
	identifies: unknown[];

	sendCommand(input: SendCommandInput): Interaction;
	sendComponent(input: SendComponentInput): Interaction;
	sendAutocomplete(input: SendAutocompleteInput): Interaction;
	waitForReady(timeoutMs?: number): Promise<void>;
	/** Shards this fake expects (the `shards` option). */
	readonly shardCount: number;
	/** Resolves once every shard has a live session (READY or RESUMED). */
	waitForShards(timeoutMs?: number): Promise<void>;
	/** The shard a server's events go to, as Discord routes them. */
	shardOf(guildId: string | null): number;
	/** Messages of an interaction in display order (original first), deleted ones included. */
	messagesOf(interactionId: string): FakeMessage[];
	/** The text a user sees now for an interaction: contents of its live messages joined by newlines. */
	visibleText(interactionId: string): string;
	failNextRequests(match: (req: RequestMatch) => boolean, response: FailureResponse, count?: number, options?: FailOptions): void;
	/** Changes the latency of requests that arrive from now on. */
	setLatency(latency: Latency): void;
	deleteMessage(messageId: string): void;
	expireToken(token: string): void;
	waitFor(predicate: () => boolean, timeoutMs?: number): Promise<void>;
	/** The last requests, one line each, for assertion messages. */
	describeRecent(count?: number): string;
	disconnectGateway(options?: DisconnectOptions): void;
	close(): Promise<void>;
}
