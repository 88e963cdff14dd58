import type Keyv from 'keyv';
import type { Language } from '../i18n/text.js';
import { runBounded } from '../store/bounded.js';

/**
 * The run journal in the store, in its own keyv namespace (`backstory:journal`). Keys:
 *
 * - `run:<runId>`   one JournalEntry per running generation (TTL: 15 min from its start)
 * - `lease:<bootId>` one Lease per bot process: until when it is alive, and its run ids (TTL 15 min)
 * - `boots`          the boot ids that may own runs, so a sweeper can list them on every backend
 *                    (keyv's iterator is unreliable on Redis, so nothing here lists keys)
 */

export const JOURNAL_SCHEMA_VERSION = 1;
/** Discord interaction tokens are valid this long; an entry is useless (and a credential) after it. */
export const INTERACTION_TOKEN_TTL_MS = 15 * 60_000;

export interface JournalEntry {
	version: typeof JOURNAL_SCHEMA_VERSION;
	runId: string;
	applicationId: string;
	/** The interaction token: a credential. Never logged, exported or used as a metric label. */
	token: string;
	/** Follow-up message ids in order; message 0 is the interaction's original reply (`@original`). */
	followUpIds: string[];
	/** ms since the epoch. */
	startedAt: number;
	/** The process that runs it. */
	bootId: string;
	/** For the Regenerate button's id. */
	authorId: string;
	private: boolean;
	/** The author's language: the story's writing line and its buttons (the Regenerate label) speak it. */
	authorLanguage: Language;
	/**
	 * The language of a notice that ends the story for everyone who reads it (the restart notice): the
	 * server's for a public story, the author's for a private one. Until generate.ts has resolved the
	 * server's (bounded, right after the start), it holds the author's.
	 */
	publicLanguage: Language;
}

export interface Lease {
	version: typeof JOURNAL_SCHEMA_VERSION;
	bootId: string;
	/** ms since the epoch; after it, the process is taken for dead and its runs are repaired. */
	aliveUntil: number;
	runIds: string[];
}

export interface JournalStore {
	putRun(entry: JournalEntry): Promise<void>;
	deleteRun(runId: string): Promise<void>;
	/** The entries that still exist, in no particular order. */
	getRuns(runIds: readonly string[]): Promise<JournalEntry[]>;
	putLease(lease: Lease): Promise<void>;
	getLease(bootId: string): Promise<Lease | undefined>;
	deleteLease(bootId: string): Promise<void>;
	getBoots(): Promise<string[]>;
	putBoots(bootIds: readonly string[]): Promise<void>;
	/** A cheap read that proves the store answers. */
	ping(): Promise<void>;
	close(): Promise<void>;
}

export const JOURNAL_NAMESPACE_SUFFIX = 'journal';
const TIMEOUT_MS = 2_000;

export function createKeyvJournalStore(keyv: Keyv, close: () => Promise<void>): JournalStore {
	// @keyv/redis without an offline queue fails commands sent while its first connection is still
	// opening ("The client is offline"): the first call connects alone, the others wait for it.
	let connecting: Promise<void> | undefined;
	const connected = (): Promise<void> =>
		(connecting ??= keyv.get('boots').then(
			() => undefined,
			() => {
				connecting = undefined; // try again with the next call
			},
		));
	const bounded = <T>(operation: string, work: () => Promise<T>): Promise<T> =>
		runBounded(`journal.${operation}`, TIMEOUT_MS, async () => {
			await connected();
			return work();
		});
	return {
		putRun: (entry) =>
			bounded('putRun', async () => {
				const ttl = Math.max(1, entry.startedAt + INTERACTION_TOKEN_TTL_MS - Date.now());
				await keyv.set(`run:${entry.runId}`, entry, ttl);
			}),
		deleteRun: (runId) => bounded('deleteRun', async () => void (await keyv.delete(`run:${runId}`))),
		getRuns: (runIds) =>
			bounded('getRuns', async () => {
				if (runIds.length === 0) return [];
				const found = await keyv.getMany<JournalEntry>(runIds.map((runId) => `run:${runId}`));
				return found.filter((entry): entry is JournalEntry => entry?.version === JOURNAL_SCHEMA_VERSION);
			}),
		putLease: (lease) => bounded('putLease', async () => void (await keyv.set(`lease:${lease.bootId}`, lease, INTERACTION_TOKEN_TTL_MS))),
		getLease: (bootId) =>
			bounded('getLease', async () => {
				const lease = await keyv.get<Lease>(`lease:${bootId}`);
				return lease?.version === JOURNAL_SCHEMA_VERSION ? lease : undefined;
			}),
		deleteLease: (bootId) => bounded('deleteLease', async () => void (await keyv.delete(`lease:${bootId}`))),
		getBoots: () => bounded('getBoots', async () => (await keyv.get<string[]>('boots')) ?? []),
		putBoots: (bootIds) => bounded('putBoots', async () => void (await keyv.set('boots', [...bootIds]))),
		ping: () => bounded('ping', async () => void (await keyv.get('boots'))),
		close,
	};
}
