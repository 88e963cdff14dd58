import { randomUUID } from 'node:crypto';
import type { Language } from '../i18n/text.js';
import type { Logger } from '../ops/log.js';
import { JOURNAL_SCHEMA_VERSION, type JournalEntry, type JournalStore } from './store.js';

/** How long a lease keeps a process "alive" without renewal, and how often it is renewed. */
export const LEASE_TTL_MS = 8_000;
export const LEASE_RENEW_MS = 2_000;
/** Runs started within this window share one lease write. */
const LEASE_FLUSH_DELAY_MS = 100;

export type NewJournalEntry = Pick<JournalEntry, 'runId' | 'applicationId' | 'token' | 'authorId' | 'private' | 'authorLanguage'>;

/** One running generation's record: written when it starts, per new message, and removed at its end. */
export interface JournalRun {
	addMessage(messageId: string): void;
	/** Records the language of the restart notice once it is known (written only when it differs). */
	setPublicLanguage(language: Language): void;
	/** Removes the record; safe to call twice. */
	end(): void;
}

export interface Journal {
	/** This process's id; a new one on every start, so a restarted bot sees its predecessor's runs as orphans. */
	readonly bootId: string;
	readonly store: JournalStore;
	start(run: NewJournalEntry): JournalRun;
	/** Writes the lease (this process is alive, with these runs) and makes sure `boots` lists it. Never throws. */
	renew(): Promise<void>;
	/** Waits for pending writes, then removes the lease: after a graceful stop nothing is left to repair. */
	close(): Promise<void>;
}

export interface JournalOptions {
	log: Logger;
	/** Called for every failed journal write (counted as a store error). */
	onStoreError?: (error: unknown) => void;
	bootId?: string;
	now?: () => number;
	leaseTtlMs?: number;
}

/**
 * The process side of the run journal. Writes never block a generation: each run's writes are
 * chained (start, messages, end stay in order) and failures are logged, never thrown.
 */
export function createJournal(store: JournalStore, options: JournalOptions): Journal {
	const bootId = options.bootId ?? randomUUID();
	const now = options.now ?? Date.now;
	const leaseTtlMs = options.leaseTtlMs ?? LEASE_TTL_MS;
	const live = new Map<string, JournalEntry>();
	const pending = new Set<Promise<void>>();
	let flushTimer: NodeJS.Timeout | undefined;
	let closed = false;

	const failed = (operation: string, runId?: string) => (error: unknown) => {
		options.onStoreError?.(error);
		// Never the entry itself: it holds the interaction token.
		options.log.warn('run journal write failed', { operation, ...(runId ? { interactionId: runId } : {}), error });
	};
	const track = (write: Promise<void>): Promise<void> => {
		pending.add(write);
		void write.finally(() => pending.delete(write));
		return write;
	};

	const writeLease = async (checkRegistry: boolean): Promise<void> => {
		await store.putLease({ version: JOURNAL_SCHEMA_VERSION, bootId, aliveUntil: now() + leaseTtlMs, runIds: [...live.keys()] });
		if (!checkRegistry) return;
		// Two processes updating `boots` at once can lose one's id; checking on every renewal heals it.
		const boots = await store.getBoots();
		if (!boots.includes(bootId)) await store.putBoots([...boots, bootId]);
	};
	let leaseChain: Promise<void> = Promise.resolve();
	const queueLease = (checkRegistry: boolean): Promise<void> => {
		leaseChain = leaseChain.then(() => writeLease(checkRegistry)).catch(failed('lease'));
		return track(leaseChain);
	};

	return {
		bootId,
		store,
		start(input) {
			const entry: JournalEntry = { version: JOURNAL_SCHEMA_VERSION, ...input, publicLanguage: input.authorLanguage, followUpIds: [], startedAt: now(), bootId };
			live.set(entry.runId, entry);
			let chain = track(store.putRun({ ...entry }).catch(failed('start', entry.runId)));
			const then = (write: () => Promise<void>, operation: string): void => {
				chain = track(chain.then(write).catch(failed(operation, entry.runId)));
			};
			// The lease lists the run ids a sweeper looks up; runs starting together share one write.
			flushTimer ??= setTimeout(() => {
				flushTimer = undefined;
				if (!closed) void queueLease(false);
			}, LEASE_FLUSH_DELAY_MS);
			let ended = false;
			const write = (operation: string): void => {
				const snapshot = { ...entry, followUpIds: [...entry.followUpIds] };
				then(() => store.putRun(snapshot), operation);
			};
			return {
				addMessage(messageId) {
					if (ended) return;
					entry.followUpIds.push(messageId);
					write('message');
				},
				setPublicLanguage(language) {
					if (ended || language === entry.publicLanguage) return;
					entry.publicLanguage = language;
					write('language');
				},
				end() {
					if (ended) return;
					ended = true;
					live.delete(entry.runId);
					// The lease still lists it until the next renewal; a sweeper skips ids with no entry.
					then(() => store.deleteRun(entry.runId), 'end');
				},
			};
		},
		renew: () => queueLease(true),
		async close() {
			closed = true;
			clearTimeout(flushTimer);
			while (pending.size > 0) await Promise.allSettled([...pending]);
			if (live.size > 0) return; // Runs still going (a forced exit): leave them for the next start to repair.
			try {
				await store.deleteLease(bootId);
				const boots = await store.getBoots();
				if (boots.includes(bootId)) await store.putBoots(boots.filter((id) => id !== bootId));
			} catch (error) {
				failed('close')(error);
			}
		},
	};
}
