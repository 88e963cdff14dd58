import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { createRequire } from 'node:module';
import type { ErrorObject, ValidateFunction } from 'ajv';

// ajv and ajv-formats are CommonJS with `exports.default`; under NodeNext a default import is typed as the
// whole module, so load them through require to get the real constructor and plugin.
const require = createRequire(import.meta.url);
const Ajv2020 = require('ajv/dist/2020.js').default as typeof import('ajv/dist/2020.js').default;
const addFormats = require('ajv-formats').default as typeof import('ajv-formats').default;

// The team keeps Discord's spec in shared/, a sibling of the repository (in CI too).
const DEFAULT_SPEC_PATH = fileURLToPath(new URL('../../../../shared/reference/discord-openapi.json', import.meta.url));
const COMPONENTS_ID = 'discord-openapi';

export interface SchemaCheck {
	ok: boolean;
	errors: ErrorObject[];
}

interface OpenApiDocument {
	paths: Record<string, Record<string, any>>;
	components: Record<string, unknown>;
}

/** Validates request bodies against the requestBody schema of one path + method of Discord's OpenAPI document. */
export class OpenApiValidator {
	readonly #doc: OpenApiDocument;
	readonly #ajv: InstanceType<typeof Ajv2020>;
	readonly #compiled = new Map<string, ValidateFunction | null>();

	constructor(doc: OpenApiDocument) {
		acceptBigIntegersAsStrings(doc);
		this.#doc = doc;
		this.#ajv = new Ajv2020({ strict: false, allErrors: true });
		addFormats(this.#ajv);
		// Discord-specific formats; the patterns already constrain snowflakes, so these only silence "unknown format".
		this.#ajv.addFormat('snowflake', /^(0|[1-9][0-9]*)$/);
		this.#ajv.addFormat('nonce', true);
		// Every $ref in the document is `#/components/...`; registering the components under one id lets
		// request schemas, rewritten to point at that id, resolve them.
		this.#ajv.addSchema({ $id: COMPONENTS_ID, components: doc.components });
	}

	/** Compiles the given operations now, so the first request to each is not slowed by ~0.5 s of compiling. */
	warmUp(operations: Array<{ specPath: string; method: string }>): void {
		for (const { specPath, method } of operations) this.#compile(specPath, method.toLowerCase());
	}

	/** `specPath` is the document's key, e.g. `/webhooks/{webhook_id}/{webhook_token}`. */
	validate(specPath: string, method: string, body: unknown): SchemaCheck {
		const validate = this.#compile(specPath, method.toLowerCase());
		if (!validate) return { ok: true, errors: [] };
		const ok = validate(body) as boolean;
		if (ok) return { ok, errors: [] };
		return { ok, errors: this.#branchErrors(specPath, method.toLowerCase(), body) ?? [...(validate.errors ?? [])] };
	}

	/**
	 * Interaction callbacks are a union keyed by `type`; ajv reports every branch's complaints, most of them
	 * about branches the body never meant. Re-validating against the branch(es) whose `type` matches gives the
	 * errors Discord would name.
	 */
	#branchErrors(specPath: string, method: string, body: unknown): ErrorObject[] | undefined {
		const schema = this.#doc.paths[specPath]?.[method]?.requestBody?.content?.['application/json']?.schema;
		const type = (body as { type?: unknown } | null)?.type;
		if (!Array.isArray(schema?.anyOf) || type === undefined) return undefined;
		const schemas = (this.#doc.components as { schemas: Record<string, any> }).schemas;
		const matching = (schema.anyOf as Array<{ $ref?: string }>)
			.map((branch) => branch.$ref)
			.filter((ref): ref is string => ref?.startsWith('#/components/schemas/') === true)
			.filter((ref) => {
				const allowed = schemas[ref.slice('#/components/schemas/'.length)]?.properties?.type?.enum;
				return Array.isArray(allowed) && allowed.includes(type);
			});
		if (matching.length === 0) return undefined;
		return matching.flatMap((ref) => {
			const key = `branch ${ref}`;
			let validate = this.#compiled.get(key);
			if (!validate) {
				validate = this.#ajv.compile({ $ref: `${COMPONENTS_ID}${ref}` });
				this.#compiled.set(key, validate);
			}
			return validate(body) ? [] : [...(validate.errors ?? [])];
		});
	}

	#compile(specPath: string, method: string): ValidateFunction | null {
		const key = `${method} ${specPath}`;
		if (this.#compiled.has(key)) return this.#compiled.get(key) ?? null;
		const operation = this.#doc.paths[specPath]?.[method];
		if (!operation) throw new Error(`OpenAPI document has no operation ${key}`);
		const schema = operation.requestBody?.content?.['application/json']?.schema;
		const validate = schema ? this.#ajv.compile(pointAtComponents(schema)) : null;
		this.#compiled.set(key, validate);
		return validate;
	}
}

/**
 * Discord's document types permission bit sets (e.g. `default_member_permissions`) as integers up
 * to 2^54, but the API takes them, as its docs say, as decimal strings too, and discord.js always
 * sends a string. Integers beyond JavaScript's safe range also accept a digit string here.
 */
function acceptBigIntegersAsStrings(node: unknown): void {
	if (Array.isArray(node)) {
		node.forEach(acceptBigIntegersAsStrings);
		return;
	}
	if (node === null || typeof node !== 'object') return;
	const record = node as Record<string, unknown>;
	for (const [key, child] of Object.entries(record)) {
		if (isBigInteger(child)) record[key] = { anyOf: [child, { type: 'string', pattern: '^[0-9]+$' }] };
		else acceptBigIntegersAsStrings(child);
	}
}

function isBigInteger(schema: unknown): boolean {
	if (schema === null || typeof schema !== 'object') return false;
	const { type, maximum } = schema as { type?: unknown; maximum?: unknown };
	const integer = type === 'integer' || (Array.isArray(type) && type.includes('integer'));
	return integer && typeof maximum === 'number' && maximum > Number.MAX_SAFE_INTEGER;
}

function pointAtComponents(schema: unknown): object {
	return JSON.parse(JSON.stringify(schema).replaceAll('"#/components/', `"${COMPONENTS_ID}#/components/`));
}

// Compiling the big message schemas takes ~0.5 s, so every fake in the process shares one validator per file.
const validators = new Map<string, OpenApiValidator>();

export function openApiValidator(path = process.env['DISCORD_OPENAPI_PATH'] ?? DEFAULT_SPEC_PATH): OpenApiValidator {
	let validator = validators.get(path);
	if (!validator) {
		validator = new OpenApiValidator(JSON.parse(readFileSync(path, 'utf8')) as OpenApiDocument);
		validators.set(path, validator);
	}
	return validator;
}

interface DiscordFieldError {
	code: string;
	message: string;
}

/**
 * Turns ajv errors into Discord's nested `errors` object (`{content: {_errors: [...]}}`).
 * A union schema reports a failure for every branch; only the deepest field errors say what is wrong,
 * so branch bookkeeping (anyOf/oneOf, "must be null") is dropped and one error is kept per field.
 */
export function toDiscordErrors(errors: ErrorObject[]): Record<string, unknown> {
	const useful = errors.filter(
		(e) => e.keyword !== 'anyOf' && e.keyword !== 'oneOf' && !(e.keyword === 'type' && e.params['type'] === 'null'),
	);
	const candidates = useful.length > 0 ? useful : errors;
	const depth = (e: ErrorObject) => fieldPath(e).length;
	const deepest = Math.max(...candidates.map(depth));
	const byField = new Map<string, DiscordFieldError>();
	for (const error of candidates) {
		if (depth(error) !== deepest) continue;
		const key = fieldPath(error).join('.');
		if (!byField.has(key)) byField.set(key, describe(error));
	}
	const root: Record<string, any> = {};
	for (const [key, fieldError] of byField) {
		let node = root;
		for (const part of key === '' ? [] : key.split('.')) node = node[part] ??= {};
		(node['_errors'] ??= []).push(fieldError);
	}
	return root;
}

function fieldPath(error: ErrorObject): string[] {
	const parts = error.instancePath.split('/').slice(1);
	if (error.keyword === 'required') parts.push(String(error.params['missingProperty']));
	return parts.map((p) => p.replaceAll('~1', '/').replaceAll('~0', '~'));
}

function describe(error: ErrorObject): DiscordFieldError {
	const p = error.params;
	switch (error.keyword) {
		case 'maxLength':
			return { code: 'BASE_TYPE_MAX_LENGTH', message: `Must be ${p['limit']} or fewer in length.` };
		case 'minLength':
			return { code: 'BASE_TYPE_MIN_LENGTH', message: `Must be ${p['limit']} or more in length.` };
		case 'maxItems':
			return { code: 'BASE_TYPE_MAX_LENGTH', message: `Must be ${p['limit']} or fewer in length.` };
		case 'required':
			return { code: 'BASE_TYPE_REQUIRED', message: 'This field is required' };
		case 'const':
		case 'enum':
			return { code: 'ENUM_TYPE_COERCE', message: `Value is not a valid enum value.` };
		case 'type':
			return { code: 'BASE_TYPE_BAD_TYPE', message: `Must be of type ${String(p['type'])}.` };
		default:
			return { code: 'BASE_TYPE_INVALID', message: error.message ?? 'Invalid value.' };
	}
}
