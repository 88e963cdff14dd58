import { randomBytes } from 'node:crypto';
import type { IncomingMessage, Server } from 'node:http';
import { WebSocketServer, type WebSocket } from 'ws';

/** Gateway opcodes the fake speaks (plain JSON text frames: discord.js only compresses with zlib-sync installed). */
const Op = { Dispatch: 0, Heartbeat: 1, Identify: 2, Resume: 6, InvalidSession: 9, Hello: 10, HeartbeatAck: 11 } as const;

interface Session {
	id: string;
	seq: number;
	socket: WebSocket | null;
	/** Dispatches kept so a RESUME can replay what the client missed. */
	sent: Array<{ s: number; frame: string }>;
	readyAt: number;
	/** The shard this session identified as. */
	shardId: number;
}

export interface GatewayIdentity {
	applicationId: string;
	botUserId: string;
	username: string;
}

/**
 * A sharded gateway: HELLO, IDENTIFY -> READY, heartbeats, RESUME (with replay) and dispatches.
 * Mirrors what @discordjs/ws 1.2.3 needs to reach ClientReady. With `shardCount` above 1 every
 * IDENTIFY must carry `shard: [id, shardCount]`, as Discord requires: without it the socket is closed
 * 4011 (sharding required), with another count or an id out of range 4010 (invalid shard).
 */
export class FakeGateway {
	readonly identifies: unknown[] = [];
	readonly #wss: WebSocketServer;
	readonly #sessions = new Map<string, Session>();
	readonly #readyWaiters = new Set<() => void>();
	#url = '';

	constructor(
		server: Server,
		readonly identity: GatewayIdentity,
		readonly shardCount = 1,
	) {
		this.#wss = new WebSocketServer({ server });
		this.#wss.on('connection', (socket, request) => this.#accept(socket, request));
	}

	set url(url: string) {
		this.#url = url;
	}

	get url(): string {
		return this.#url;
	}

	/** The most recently readied session of shard 0 (or of `shardId`) whose socket is open. */
	get activeSession(): Session | undefined {
		return this.liveSession(0);
	}

	liveSession(shardId: number): Session | undefined {
		let best: Session | undefined;
		for (const session of this.#sessions.values()) {
			const open = session.socket !== null && session.socket.readyState === session.socket.OPEN;
			if (open && session.shardId === shardId && (!best || session.readyAt > best.readyAt)) best = session;
		}
		return best;
	}

	/** The shard Discord sends a server's events to; DMs go to shard 0. */
	shardOf(guildId: string | null): number {
		if (guildId === null) return 0;
		return Number((BigInt(guildId) >> 22n) % BigInt(this.shardCount));
	}

	/** Resolves on the next READY/RESUMED after which `ready()` holds, or now if it holds already. */
	onReady(callback: () => void, ready: () => boolean = () => this.activeSession !== undefined): () => void {
		if (ready()) {
			callback();
			return () => {};
		}
		const waiter = (): void => {
			if (!ready()) return;
			this.#readyWaiters.delete(waiter);
			callback();
		};
		this.#readyWaiters.add(waiter);
		return () => this.#readyWaiters.delete(waiter);
	}

	/** Every shard has a live session. */
	allShardsLive(): boolean {
		for (let id = 0; id < this.shardCount; id += 1) if (!this.liveSession(id)) return false;
		return true;
	}

	/**
	 * Sends a dispatch over the live session of the shard that serves `guildId` (shard 0 when
	 * undefined), or keeps it for replay on that shard's resumable one.
	 */
	dispatch(t: string, d: unknown, guildId: string | null = null): void {
		const shardId = this.shardOf(guildId);
		const session = this.liveSession(shardId) ?? this.#latestResumable(shardId);
		if (!session) throw new Error(`fake Discord: no gateway session of shard ${shardId} to send ${t} over; await fake.waitForReady() first`);
		this.#send(session, t, d);
	}

	/** Drops every connection; a resumable session lets discord.js RESUME and receive what it missed. */
	disconnect(resumable: boolean): void {
		for (const session of this.#sessions.values()) {
			const socket = session.socket;
			session.socket = null;
			if (!resumable) this.#sessions.delete(session.id);
			socket?.close(resumable ? 4000 : 1000, 'fake Discord disconnect');
		}
	}

	async close(): Promise<void> {
		this.#readyWaiters.clear();
		for (const client of this.#wss.clients) client.terminate();
		await new Promise<void>((resolve) => this.#wss.close(() => resolve()));
	}

	#latestResumable(shardId: number): Session | undefined {
		return [...this.#sessions.values()].filter((s) => s.shardId === shardId).sort((a, b) => b.readyAt - a.readyAt)[0];
	}

	/** Discord's check of IDENTIFY's `shard`: the close code and reason, or undefined when it is right. */
	#shardProblem(shard: unknown): { code: number; reason: string } | undefined {
		if (shard === undefined) {
			return this.shardCount > 1 ? { code: 4011, reason: 'Sharding required.' } : undefined;
		}
		const valid = Array.isArray(shard) && shard.length === 2 && shard.every((n) => Number.isInteger(n) && n >= 0);
		if (!valid || shard[1] !== this.shardCount || shard[0] >= shard[1]) return { code: 4010, reason: 'Invalid shard.' };
		return undefined;
	}

	#accept(socket: WebSocket, request: IncomingMessage): void {
		const query = new URL(request.url ?? '/', 'ws://fake').searchParams;
		if (query.get('v') !== '10' || query.get('encoding') !== 'json' || query.has('compress')) {
			socket.close(4012, 'fake Discord speaks v=10 encoding=json without transport compression only');
			return;
		}
		let session: Session | undefined;
		socket.on('message', (raw, isBinary) => {
			if (isBinary) return socket.close(4002, 'Error while decoding payload.');
			let payload: { op: number; d: any };
			try {
				payload = JSON.parse(raw.toString());
			} catch {
				return socket.close(4002, 'Error while decoding payload.');
			}
			switch (payload.op) {
				case Op.Heartbeat:
					return socket.send(JSON.stringify({ op: Op.HeartbeatAck }));
				case Op.Identify:
					if (session) return socket.close(4005, 'Already authenticated.');
					if (typeof payload.d?.token !== 'string' || payload.d.token === '') return socket.close(4004, 'Authentication failed.');
					this.identifies.push(payload.d);
					{
						const problem = this.#shardProblem(payload.d.shard);
						if (problem) return socket.close(problem.code, problem.reason);
					}
					session = this.#identify(socket, Array.isArray(payload.d.shard) ? Number(payload.d.shard[0]) : 0);
					return;
				case Op.Resume: {
					const known = this.#sessions.get(payload.d?.session_id);
					if (session || !known) return socket.send(JSON.stringify({ op: Op.InvalidSession, d: false }));
					session = known;
					this.#resume(known, socket, Number(payload.d.seq ?? 0));
					return;
				}
				default:
					// Presence updates, member requests, voice state: accepted and ignored.
					return;
			}
		});
		socket.on('close', (code) => {
			if (!session || session.socket !== socket) return;
			session.socket = null;
			// A client closing with 1000/1001 ends its session for good, as on Discord (client.destroy() does this).
			if (code === 1000 || code === 1001) this.#sessions.delete(session.id);
		});
		socket.send(JSON.stringify({ op: Op.Hello, d: { heartbeat_interval: 41_250 } }));
	}

	#identify(socket: WebSocket, shardId: number): Session {
		const session: Session = { id: randomBytes(16).toString('hex'), seq: 0, socket, sent: [], readyAt: performance.now(), shardId };
		this.#sessions.set(session.id, session);
		const { botUserId, username, applicationId } = this.identity;
		this.#send(session, 'READY', {
			v: 10,
			user: {
				id: botUserId,
				username,
				discriminator: '0',
				avatar: null,
				bot: true,
				global_name: null,
				flags: 0,
				verified: true,
				mfa_enabled: false,
			},
			guilds: [],
			session_id: session.id,
			session_type: 'normal',
			resume_gateway_url: this.#url,
			application: { id: applicationId, flags: 0 },
			shard: [shardId, this.shardCount],
			private_channels: [],
			relationships: [],
			presences: [],
			guild_join_requests: [],
			user_settings: {},
			geo_ordered_rtc_regions: ['us-east'],
			_trace: ['["fake-discord",{"micros":0}]'],
		});
		this.#announceReady();
		return session;
	}

	#resume(session: Session, socket: WebSocket, seq: number): void {
		session.socket = socket;
		session.readyAt = performance.now();
		for (const missed of session.sent) if (missed.s > seq) socket.send(missed.frame);
		this.#send(session, 'RESUMED', {});
		this.#announceReady();
	}

	#send(session: Session, t: string, d: unknown): void {
		const s = ++session.seq;
		const frame = JSON.stringify({ op: Op.Dispatch, t, s, d });
		session.sent.push({ s, frame });
		if (session.sent.length > 200) session.sent.shift();
		session.socket?.send(frame);
	}

	#announceReady(): void {
		for (const waiter of [...this.#readyWaiters]) waiter();
	}
}
