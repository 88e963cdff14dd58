import type { IncomingMessage, ServerResponse } from 'node:http';
import type { StoredAttachment } from './types.js';
import { snowflake } from './payloads.js';

/** An answer the way Discord gives it: status, JSON body, extra headers. */
export interface Reply {
	status: number;
	body?: unknown;
	headers?: Record<string, string>;
}

/** Thrown by route handlers to answer with a Discord JSON error. */
export class DiscordError extends Error {
	constructor(
		readonly status: number,
		readonly code: number,
		message: string,
		readonly errors?: Record<string, unknown>,
	) {
		super(message);
	}

	toReply(): Reply {
		return { status: this.status, body: { message: this.message, code: this.code, ...(this.errors ? { errors: this.errors } : {}) } };
	}
}

export const errors = {
	notFound: () => new DiscordError(404, 0, '404: Not Found'),
	unauthorized: () => new DiscordError(401, 0, '401: Unauthorized'),
	unknownInteraction: () => new DiscordError(404, 10062, 'Unknown interaction'),
	unknownWebhook: () => new DiscordError(404, 10015, 'Unknown Webhook'),
	unknownMessage: () => new DiscordError(404, 10008, 'Unknown Message'),
	invalidToken: () => new DiscordError(401, 50027, 'Invalid Webhook Token'),
	alreadyAcknowledged: () => new DiscordError(400, 40060, 'Interaction has already been acknowledged.'),
	emptyMessage: () => new DiscordError(400, 50006, 'Cannot send an empty message'),
	followUpCap: () => new DiscordError(400, 40094, 'This interaction has hit the maximum number of follow up messages'),
	invalidForm: (fields: Record<string, unknown>) => new DiscordError(400, 50035, 'Invalid Form Body', fields),
};

export interface ParsedBody {
	body: unknown;
	files: StoredAttachment[];
	/** Set when the body could not be parsed at all. */
	error?: string;
}

export async function readRaw(req: IncomingMessage): Promise<Buffer> {
	const chunks: Buffer[] = [];
	for await (const chunk of req) chunks.push(chunk as Buffer);
	return Buffer.concat(chunks);
}

/**
 * discord.js sends JSON, or multipart/form-data with a `payload_json` field plus `files[n]` when
 * there are attachments. Node's own Request parses multipart, so no hand-written parser is needed.
 */
export async function parseBody(raw: Buffer, contentType: string | undefined): Promise<ParsedBody> {
	if (raw.length === 0) return { body: undefined, files: [] };
	const type = (contentType ?? '').toLowerCase();
	if (type.startsWith('multipart/form-data')) {
		const form = await new Request('http://fake.invalid/', {
			method: 'POST',
			headers: { 'content-type': contentType as string },
			body: raw,
		}).formData();
		const files: StoredAttachment[] = [];
		let body: unknown;
		for (const [name, value] of form) {
			if (name === 'payload_json' && typeof value === 'string') {
				body = JSON.parse(value);
			} else if (typeof value !== 'string') {
				const data = Buffer.from(await value.arrayBuffer());
				// Keep the form field index (files[3] -> '3'): payload attachments refer to uploads by it.
				const index = /^files\[(\d+)\]$/.exec(name)?.[1] ?? name;
				files.push({ id: index, filename: value.name, size: data.length, contentType: value.type || undefined, data });
			}
		}
		return { body, files };
	}
	try {
		return { body: JSON.parse(raw.toString('utf8')), files: [] };
	} catch {
		return { body: undefined, files: [], error: `unparseable body with content-type ${type || 'none'}` };
	}
}

/** Final attachment list of a write: kept ids, new uploads (referenced by upload index), or all uploads appended. */
export function resolveAttachments(
	requested: unknown,
	uploads: StoredAttachment[],
	existing: StoredAttachment[],
): StoredAttachment[] {
	const fresh = (upload: StoredAttachment, meta?: Record<string, unknown>): StoredAttachment => ({
		...upload,
		id: snowflake(),
		filename: typeof meta?.['filename'] === 'string' ? meta['filename'] : upload.filename,
		...(typeof meta?.['description'] === 'string' ? { description: meta['description'] } : {}),
	});
	if (!Array.isArray(requested)) return [...existing, ...uploads.map((u) => fresh(u))];
	const result: StoredAttachment[] = [];
	for (const item of requested as Array<Record<string, unknown>>) {
		const id = String(item?.['id']);
		const upload = uploads.find((u) => u.id === id);
		if (upload) result.push(fresh(upload, item));
		else {
			const kept = existing.find((a) => a.id === id);
			if (kept) result.push(kept);
		}
	}
	return result;
}

export function send(res: ServerResponse, reply: Reply): void {
	if (res.writableEnded || res.destroyed) return;
	const headers: Record<string, string> = { ...reply.headers };
	let payload: string | undefined;
	if (reply.body !== undefined && reply.status !== 204) {
		payload = JSON.stringify(reply.body);
		headers['content-type'] = 'application/json';
	}
	res.writeHead(reply.status, headers);
	res.end(payload);
}
