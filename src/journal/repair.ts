import { LANGUAGES } from '../i18n/catalogue.js';
import { resolveLanguage } from '../i18n/locale.js';
import { t } from '../i18n/text.js';
import { writingMarker } from '../render/stream-renderer.js';
import { DISCORD_MESSAGE_LIMIT } from '../render/split.js';
import type { Logger } from '../ops/log.js';
import type { PromptStore } from '../store/types.js';
import { INTERACTION_TOKEN_TTL_MS, type JournalEntry, type JournalStore } from './store.js';

/** A token this close to its expiry is not worth a repair attempt. */
const TOKEN_MARGIN_MS = 30_000;
/** Orphaned runs repaired at once: each costs a few writes on its own token's rate-limit bucket. */
const REPAIR_CONCURRENCY = 8;

export interface ShownMessage {
	content: string;
	hasComponents: boolean;
}

export interface RepairBody {
	content: string;
	/** Discord component rows (raw JSON): empty, or the Regenerate button. */
	components: unknown[];
}

/** The Discord side of a repair, through the interaction's webhook with its token. */
export interface StoryMessages {
	/** `messageId` is `@original` for the interaction's first reply. */
	fetch(entry: JournalEntry, messageId: string): Promise<ShownMessage>;
	edit(entry: JournalEntry, messageId: string, body: RepairBody): Promise<void>;
	followUp(entry: JournalEntry, body: RepairBody): Promise<void>;
}

export interface RepairDependencies {
	store: JournalStore;
	/** This process: never repaired by itself. */
	bootId: string;
	messages: StoryMessages;
	prompts: PromptStore;
	/** The Regenerate row for a run, built where the button id is defined; `label` is already translated. */
	regenerateRow(entry: JournalEntry, label: string): unknown[];
	log: Logger;
	now?: () => number;
	onRepaired?: (entry: JournalEntry) => void;
	onStoreError?: (error: unknown) => void;
}

export interface SweepReport {
	/** Dead processes whose runs were handled. */
	deadBoots: string[];
	repaired: number;
	/** Entries whose token had expired, or whose messages could not be written any more. */
	dropped: number;
}

/**
 * Finds the runs of processes whose lease lapsed and repairs them: every message keeps its text
 * without the writing line and the Stop button; the last one ends with the restart notice and a
 * Regenerate button (when the inputs are still stored). Runs of live processes are never touched.
 */
export async function sweepOrphans(deps: RepairDependencies): Promise<SweepReport> {
	const now = deps.now ?? Date.now;
	const report: SweepReport = { deadBoots: [], repaired: 0, dropped: 0 };
	const boots = await deps.store.getBoots();
	for (const bootId of boots) {
		if (bootId === deps.bootId) continue;
		const lease = await deps.store.getLease(bootId);
		if (lease && lease.aliveUntil > now()) continue;
		const handled = await repairBoot(bootId, deps);
		report.repaired += handled.repaired;
		report.dropped += handled.dropped;
		report.deadBoots.push(bootId);
	}
	if (report.deadBoots.length > 0) {
		// Read again: a process may have registered since (its next renewal heals a lost update anyway).
		const current = await deps.store.getBoots();
		await deps.store.putBoots(current.filter((id) => !report.deadBoots.includes(id)));
	}
	return report;
}

/**
 * Repairs every run of one process known to be gone (sweepOrphans decides that from its lease; a
 * supervisor that saw the process die can call this directly) and deletes its lease. Does not
 * check liveness and leaves `boots` to the caller.
 */
export async function repairBoot(bootId: string, deps: RepairDependencies): Promise<{ repaired: number; dropped: number }> {
	const now = deps.now ?? Date.now;
	const handled = { repaired: 0, dropped: 0 };
	const lease = await deps.store.getLease(bootId);
	const entries = lease ? await deps.store.getRuns(lease.runIds) : [];
	await forEachLimited(entries, REPAIR_CONCURRENCY, async (entry) => {
		if (entry.startedAt + INTERACTION_TOKEN_TTL_MS - TOKEN_MARGIN_MS > now() && (await repairRun(entry, deps))) {
			handled.repaired += 1;
			deps.onRepaired?.(entry);
		} else {
			handled.dropped += 1;
		}
		await deps.store.deleteRun(entry.runId);
	});
	await deps.store.deleteLease(bootId);
	return handled;
}

/** Repairs one orphaned run; false when Discord no longer lets us write it (deleted, token gone). */
export async function repairRun(entry: JournalEntry, deps: RepairDependencies): Promise<boolean> {
	const messageIds = ['@original', ...entry.followUpIds];
	const fields = { interactionId: entry.runId, bootId: entry.bootId, messages: messageIds.length };
	try {
		const shown = await Promise.all(messageIds.map((id) => deps.messages.fetch(entry, id)));
		const last = shown.length - 1;
		if (looksFinished(shown[last]!)) {
			// The final write landed before the process died: the story already looks done.
			deps.log.info('orphaned backstory was already finished', fields);
			return true;
		}
		// As on a story that ended live: the notice in the language of whoever reads the story, the button
		// in the author's. resolveLanguage: an entry written by another version may name an unknown one.
		const restarted = t(resolveLanguage(entry.publicLanguage), 'notice.restarted');
		const components = (await regenerateAvailable(entry, deps))
			? deps.regenerateRow(entry, t(resolveLanguage(entry.authorLanguage), 'generation.regenerate'))
			: [];
		for (const [index, message] of shown.entries()) {
			const text = withoutWritingLine(message.content);
			if (index < last) {
				if (text !== message.content || message.hasComponents) await deps.messages.edit(entry, messageIds[index]!, { content: text, components: [] });
				continue;
			}
			const notice = `\n\n*${restarted}*`;
			if (text.trim() === '') {
				// Nothing was shown yet ("thinking…"): the notice is all there is to say.
				await deps.messages.edit(entry, messageIds[index]!, { content: `⚠️ ${restarted}`, components });
			} else if (text.length + notice.length <= DISCORD_MESSAGE_LIMIT) {
				await deps.messages.edit(entry, messageIds[index]!, { content: text + notice, components });
			} else {
				// No room left in a full message: nothing shown is cut, the notice goes in its own message.
				await deps.messages.edit(entry, messageIds[index]!, { content: text, components: [] });
				await deps.messages.followUp(entry, { content: `*${restarted}*`, components });
			}
		}
		deps.log.info('repaired an orphaned backstory', fields);
		return true;
	} catch (error) {
		deps.log.warn('could not repair an orphaned backstory', { ...fields, error });
		return false;
	}
}

/** The "writing…" line in every language: it is stripped whatever language the story was written in. */
const WRITING_MARKERS = LANGUAGES.map((language) => writingMarker(t(language, 'generation.writing')));

function writingMarkerAtEnd(content: string): string | undefined {
	return WRITING_MARKERS.find((marker) => content.endsWith(marker));
}

function withoutWritingLine(content: string): string {
	const marker = writingMarkerAtEnd(content);
	return marker ? content.slice(0, -marker.length) : content;
}

/** The renderer's final write shows no writing line and either buttons or an italic notice. */
function looksFinished(message: ShownMessage): boolean {
	if (message.content.trim() === '' || writingMarkerAtEnd(message.content) !== undefined) return false;
	return message.hasComponents || /\n\n\*[^*\n]+\*$/.test(message.content) || message.content.startsWith('⚠️ ');
}

async function regenerateAvailable(entry: JournalEntry, deps: RepairDependencies): Promise<boolean> {
	try {
		return (await deps.prompts.get(entry.runId)) !== undefined;
	} catch (error) {
		deps.onStoreError?.(error);
		deps.log.warn('could not read the prompt of an orphaned backstory; repairing without Regenerate', { interactionId: entry.runId, error });
		return false;
	}
}

async function forEachLimited<T>(items: readonly T[], limit: number, work: (item: T) => Promise<void>): Promise<void> {
	let next = 0;
	const worker = async (): Promise<void> => {
		while (next < items.length) await work(items[next++]!);
	};
	await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
}
