import type Keyv from 'keyv';
import { runBounded } from './bounded.js';
import { type PromptStore, type SavedPrompt, SCHEMA_VERSION } from './types.js';

interface StoredPrompt extends SavedPrompt {
	version: typeof SCHEMA_VERSION;
}

/** Regenerate buttons live as long as their message; a month covers any real campaign session. */
export const PROMPT_TTL_MS = 30 * 24 * 60 * 60_000;

/** What a generation was asked for, keyed by its run id, so a Regenerate button survives restarts. */
export class KeyvPromptStore implements PromptStore {
	public constructor(
		private readonly keyv: Keyv,
		private readonly timeoutMs: number,
	) {}

	public async get(runId: string): Promise<SavedPrompt | undefined> {
		return runBounded('prompts.get', this.timeoutMs, async () => {
			const stored = await this.keyv.get<StoredPrompt>(promptKey(runId));
			if (stored?.version !== SCHEMA_VERSION) return undefined;
			return { characterName: stored.characterName, description: stored.description };
		});
	}

	public async set(runId: string, prompt: SavedPrompt): Promise<void> {
		await runBounded('prompts.set', this.timeoutMs, async () => {
			const stored: StoredPrompt = { version: SCHEMA_VERSION, ...prompt };
			await this.keyv.set(promptKey(runId), stored, PROMPT_TTL_MS);
		});
	}
}

function promptKey(runId: string): string {
	return `run:${runId}`;
}
