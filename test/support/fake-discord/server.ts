import type { IncomingMessage, ServerResponse } from 'node:http';
import type { RouteContext } from './context.js';
import { DiscordError, errors, parseBody, readRaw, send, type Reply } from './http.js';
import { toDiscordErrors, type OpenApiValidator } from './openapi.js';
import { rateLimitedReply, type SlidingWindowLimiter } from './rate-limit.js';
import { matchRoute } from './routes.js';
import type { FailOptions, FailureResponse, Latency, RecordedRequest, RequestMatch, Violation, ViolationKind } from './types.js';

const API_PREFIX = '/api/v10';

interface Fault {
	match: (req: RequestMatch) => boolean;
	response: FailureResponse;
	remaining: number;
	/** Matching requests still to let through before failing. */
	skip: number;
}

export interface PipelineDeps {
	ctx: RouteContext;
	validator: OpenApiValidator;
	limiter: SlidingWindowLimiter | null;
	latencyMs: Latency;
	requests: RecordedRequest[];
	violations: Violation[];
	/** Called after every answered request, so waiters can re-check their predicates. */
	onAnswered: () => void;
	/** Lets close() cancel latency timers instead of leaving them to hold the process open. */
	delay: (ms: number) => Promise<void>;
}

/** The REST half of the fake: record, delay, inject faults, rate-limit, validate, route, answer. */
export class RestPipeline {
	readonly #faults: Fault[] = [];

	constructor(readonly deps: PipelineDeps) {}

	failNext(match: (req: RequestMatch) => boolean, response: FailureResponse, count: number, options: FailOptions = {}): void {
		this.#faults.push({ match, response, remaining: count, skip: options.after ?? 0 });
	}

	setLatency(latency: Latency): void {
		this.deps.latencyMs = latency;
	}

	async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
		const at = performance.now();
		const method = req.method ?? 'GET';
		const url = new URL(req.url ?? '/', 'http://127.0.0.1');
		const raw = await readRaw(req);
		const parsed = await parseBody(raw, req.headers['content-type']).catch((error: Error) => ({
			body: undefined,
			files: [],
			error: `unparseable multipart body: ${error.message}`,
		}));
		let path = url.pathname;
		try {
			path = decodeURIComponent(path);
		} catch {
			// Keep the raw path; it will not match a route and gets reported as unexpected.
		}
		const versioned = path.startsWith(`${API_PREFIX}/`);
		const record: RecordedRequest = {
			at,
			method,
			path: versioned ? path.slice(API_PREFIX.length) : path,
			query: Object.fromEntries(url.searchParams),
			body: parsed.body,
			...(parsed.files.length > 0 ? { files: parsed.files } : {}),
			status: 0,
		};
		this.deps.requests.push(record);
		const { latencyMs } = this.deps;
		const latency = typeof latencyMs === 'function' ? latencyMs({ method, path: record.path }) : latencyMs;
		if (latency > 0) await this.deps.delay(latency);

		let reply: Reply;
		try {
			reply = versioned ? await this.#respond(req, record, parsed.files, parsed.error) : this.#unexpected(record);
		} catch (error) {
			this.#violation('fake-internal-error', record, [String((error as Error)?.stack ?? error)]);
			reply = { status: 500, body: { message: '500: Internal Server Error', code: 0 } };
		}
		record.status = reply.status;
		const code = (reply.body as { code?: unknown } | undefined)?.code;
		if (reply.status >= 400 && typeof code === 'number') record.errorCode = code;
		record.answeredAt = performance.now();
		send(res, reply);
		this.deps.onAnswered();
	}

	async #respond(req: IncomingMessage, record: RecordedRequest, files: RecordedRequest['files'], parseError?: string): Promise<Reply> {
		const match = matchRoute(record.method, record.path);
		if (!match) return this.#unexpected(record);
		const { route, params } = match;
		if (params['token'] !== undefined) record.token = params['token'];

		const fault = this.#takeFault({ method: record.method, path: record.path });
		if (fault) {
			fault.remaining--;
			record.note = 'injected failure (failNextRequests)';
			return faultReply(fault.response);
		}

		let bucketHeaders: Record<string, string> = {};
		if (route.webhookBucket && this.deps.limiter) {
			const verdict = this.deps.limiter.take(`${params['app']}/${params['token']}`, record.at);
			if (verdict.limited) return verdict.reply;
			bucketHeaders = verdict.headers;
		}

		let reply: Reply;
		try {
			if (parseError) {
				this.#violation('bad-request', record, [parseError]);
				throw new DiscordError(400, 50109, 'The request body contains invalid JSON.');
			}
			const specPath = route.spec?.(params);
			if (specPath) {
				const check = this.deps.validator.validate(specPath, record.method, record.body);
				if (!check.ok) {
					this.#violation('schema', record, check.errors);
					throw errors.invalidForm(toDiscordErrors(check.errors));
				}
			}
			reply = await route.handler(this.deps.ctx, {
				method: record.method,
				path: record.path,
				params,
				query: record.query,
				headers: req.headers,
				body: record.body,
				files: files ?? [],
				record,
				at: record.at,
			});
		} catch (error) {
			if (!(error instanceof DiscordError)) throw error;
			if (error.code === 50006) this.#violation('empty-message', record, [error.message]);
			if (error.code === 50035 && route.spec && !this.deps.violations.some((v) => v.request === record)) {
				this.#violation('bad-request', record, [error.errors]);
			}
			reply = error.toReply();
		}
		return { ...reply, headers: { ...bucketHeaders, ...reply.headers } };
	}

	/** The first armed fault for this request; faults still counting down see it pass. */
	#takeFault(req: RequestMatch): Fault | undefined {
		for (const fault of this.#faults) {
			if (fault.remaining <= 0 || !fault.match(req)) continue;
			if (fault.skip > 0) {
				fault.skip--;
				continue;
			}
			return fault;
		}
		return undefined;
	}

	#unexpected(record: RecordedRequest): Reply {
		this.#violation('unexpected-route', record, [`no fake route for ${record.method} ${record.path}`]);
		return errors.notFound().toReply();
	}

	#violation(kind: ViolationKind, record: RecordedRequest, found: unknown[]): void {
		const { at, method, path, body } = record;
		this.deps.violations.push({ at, kind, method, path, body, errors: found, request: record });
	}
}

function faultReply(response: FailureResponse): Reply {
	if (response.status === 429) return rateLimitedReply(response.retryAfterMs ?? 1000);
	const message = response.message ?? (response.status >= 500 ? `${response.status}: Internal Server Error` : 'Injected failure');
	return {
		status: response.status,
		body: { message, code: response.code ?? 0 },
		...(response.retryAfterMs !== undefined ? { headers: { 'retry-after': String(Math.ceil(response.retryAfterMs / 1000)) } } : {}),
	};
}
