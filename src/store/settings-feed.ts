import KeyvRedis from '@keyv/redis';
import type Keyv from 'keyv';

/**
 * Tells every process sharing the store that a server's world setting changed, so each can drop
 * its cached copy at once (Redis pub/sub). Redis delivers a PUBLISH to subscribers before it
 * answers the publisher, so by the time /setting has replied, every other process knows.
 */
export interface SettingsFeed {
	/** Announces a change; resolves once Redis has delivered it. */
	publish(guildId: string): Promise<void>;
	/** `guildId` changed elsewhere; `null`: the feed was down for a while, forget everything. */
	onChange(listener: (guildId: string | null) => void): void;
	/** False while the subscription is not connected: cached values may then be stale. */
	readonly live: boolean;
	close(): Promise<void>;
}

/** The part of node-redis' client the feed uses (single-node client; openRedis never makes a cluster). */
interface Subscriber {
	on(event: 'error' | 'ready' | 'end', listener: (error?: unknown) => void): unknown;
	connect(): Promise<unknown>;
	subscribe(channel: string, listener: (message: string) => void): Promise<unknown>;
	destroy(): void;
	readonly isOpen: boolean;
}

/** A feed for a Redis-backed keyv; undefined for SQLite and memory (one process, nobody to tell). */
export function settingsFeed(keyv: Keyv, onError: (error: unknown) => void): SettingsFeed | undefined {
	if (!(keyv.store instanceof KeyvRedis)) return undefined;
	const adapter = keyv.store as KeyvRedis<unknown>;
	const channel = adapter.createKeyPrefix('changed', adapter.namespace);
	const listeners: Array<(guildId: string | null) => void> = [];
	const emit = (guildId: string | null): void => listeners.forEach((listener) => listener(guildId));
	let live = false;
	let subscriber: Subscriber | undefined;

	const start = async (): Promise<void> => {
		const client = await adapter.getClient();
		// A second connection: a subscribed connection can run no other command.
		const sub = (client as unknown as { duplicate(): Subscriber }).duplicate();
		subscriber = sub;
		sub.on('error', (error: unknown) => {
			live = false;
			if (!closed) onError(error);
		});
		sub.on('ready', () => {
			// After a reconnect we may have missed messages: drop every cached setting.
			if (!live) emit(null);
			live = true;
		});
		sub.on('end', () => {
			live = false;
		});
		await sub.connect();
		await sub.subscribe(channel, (message: string) => emit(message));
		live = true;
	};
	let closed = false;
	// Closing while the subscription is still connecting rejects it; that is not a store error.
	start().catch((error: unknown) => {
		if (!closed) onError(error);
	});

	return {
		get live() {
			return live;
		},
		async publish(guildId) {
			const client = await adapter.getClient();
			await client.publish(channel, guildId);
		},
		onChange: (listener) => void listeners.push(listener),
		async close() {
			closed = true;
			live = false;
			if (subscriber?.isOpen) subscriber.destroy();
		},
	};
}
