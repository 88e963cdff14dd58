import type { Reply } from './http.js';
import type { BotIdentity } from './payloads.js';
import type { Store } from './store.js';
import type { RecordedRequest, StoredAttachment } from './types.js';

export interface CommandsState {
	global: unknown[];
	guild: Map<string, unknown[]>;
	putCount: number;
}

/** What route handlers share: the fake's state and settings. */
export interface RouteContext {
	store: Store;
	bot: BotIdentity;
	commands: CommandsState;
	gatewayUrl: () => string;
	callbackDeadlineMs: number | false;
	tokenTtlMs: number;
	/** What GET /gateway/bot recommends. */
	shardCount: number;
}

export interface RouteRequest {
	method: string;
	path: string;
	params: Record<string, string>;
	query: Record<string, string>;
	headers: Record<string, string | string[] | undefined>;
	body: any;
	files: StoredAttachment[];
	/** The entry in `fake.requests`, for handlers to annotate. */
	record: RecordedRequest;
	/** performance.now() when the request arrived. */
	at: number;
}

export type Handler = (ctx: RouteContext, req: RouteRequest) => Reply | Promise<Reply>;
