import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomUUID } from 'node:crypto';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createKeyvFromUrl, disconnectKeyv } from '../../src/store/index.js';
import { createJournal } from '../../src/journal/journal.js';
import { createKeyvJournalStore, INTERACTION_TOKEN_TTL_MS, type JournalEntry, type JournalStore } from '../../src/journal/store.js';
import { repairRun, sweepOrphans, type RepairBody, type ShownMessage, type StoryMessages } from '../../src/journal/repair.js';
import { createLogger } from '../../src/ops/log.js';
import type { PromptStore, SavedPrompt } from '../../src/store/types.js';

const WRITING = '\n\n-# ✍️ writing…';
const NOTICE = '\n\n*interrupted: the bot restarted*';
const TOKEN = 'aW50ZXJhY3Rpb246MTIzNDU2Nzg5MDEyMzQ1Njc4OnNlY3JldA';

interface Backend {
	/** Opens the journal store; called again after close() to prove entries survive a crash. */
	open(): JournalStore;
	cleanup?(): Promise<void>;
}

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

function quietLog(lines: string[] = []) {
	return createLogger({ level: 'debug', secrets: [], write: (line) => lines.push(line) });
}

/** A Discord in memory: message contents by token and id, and every write made. */
function fakeMessages() {
	const shown = new Map<string, ShownMessage>();
	const writes: Array<{ kind: 'edit' | 'create'; messageId?: string; body: RepairBody }> = [];
	const key = (entry: JournalEntry, id: string) => `${entry.token}/${id}`;
	const messages: StoryMessages = {
		async fetch(entry, id) {
			const found = shown.get(key(entry, id));
			if (!found) throw new Error('Unknown Message');
			return found;
		},
		async edit(entry, id, body) {
			writes.push({ kind: 'edit', messageId: id, body });
			shown.set(key(entry, id), { content: body.content, hasComponents: body.components.length > 0 });
		},
		async followUp(_entry, body) {
			writes.push({ kind: 'create', body });
		},
	};
	return { shown, writes, messages, show: (token: string, id: string, content: string, hasComponents = true) => shown.set(`${token}/${id}`, { content, hasComponents }) };
}

function prompts(known: Record<string, SavedPrompt>): PromptStore {
	return { get: async (runId) => known[runId], set: async () => undefined };
}

describe('repairing one orphaned story', () => {
	const entry = (followUpIds: string[] = [], languages: Partial<Pick<JournalEntry, 'authorLanguage' | 'publicLanguage'>> = {}): JournalEntry => ({
		version: 1, runId: 'r1', applicationId: 'app', token: TOKEN, followUpIds, startedAt: Date.now(), bootId: 'dead', authorId: 'u1', private: false,
		authorLanguage: 'en-US', publicLanguage: 'en-US', ...languages,
	});
	const deps = (discord: ReturnType<typeof fakeMessages>, known: Record<string, SavedPrompt> = { r1: { characterName: 'A', description: 'B' } }, lines: string[] = []) => ({
		store: undefined as never,
		bootId: 'new',
		messages: discord.messages,
		prompts: prompts(known),
		regenerateRow: (_entry: JournalEntry, label: string) => [{ regenerate: label }],
		log: quietLog(lines),
	});

	it('takes the writing line and Stop off every message and ends the last with the notice and Regenerate', async () => {
		const discord = fakeMessages();
		discord.show(TOKEN, '@original', `Part one.${WRITING}`); // its freeze never landed
		discord.show(TOKEN, 'm2', `Part two.${WRITING}`);
		expect(await repairRun(entry(['m2']), deps(discord))).toBe(true);
		expect(discord.writes).toEqual([
			{ kind: 'edit', messageId: '@original', body: { content: 'Part one.', components: [] } },
			{ kind: 'edit', messageId: 'm2', body: { content: `Part two.${NOTICE}`, components: [{ regenerate: 'Regenerate' }] } },
		]);
	});

	it('leaves out Regenerate when the inputs are gone from the store', async () => {
		const discord = fakeMessages();
		discord.show(TOKEN, '@original', `Text.${WRITING}`);
		await repairRun(entry(), deps(discord, {}));
		expect(discord.writes.at(-1)!.body).toEqual({ content: `Text.${NOTICE}`, components: [] });
	});

	it('puts the notice in a message of its own when a full message has no room, cutting nothing', async () => {
		const discord = fakeMessages();
		const full = 'x'.repeat(2_000 - WRITING.length);
		discord.show(TOKEN, '@original', full + WRITING);
		await repairRun(entry(), deps(discord));
		expect(discord.writes).toEqual([
			{ kind: 'edit', messageId: '@original', body: { content: full, components: [] } },
			{ kind: 'create', body: { content: '*interrupted: the bot restarted*', components: [{ regenerate: 'Regenerate' }] } },
		]);
	});

	it('says what happened when nothing was shown yet (still "thinking")', async () => {
		const discord = fakeMessages();
		discord.show(TOKEN, '@original', '', false);
		await repairRun(entry(), deps(discord));
		expect(discord.writes).toEqual([{ kind: 'edit', messageId: '@original', body: { content: '⚠️ interrupted: the bot restarted', components: [{ regenerate: 'Regenerate' }] } }]);
	});

	it('writes the notice in the story\'s public language and the Regenerate label in the author\'s', async () => {
		const discord = fakeMessages();
		// A French author in a German server: the writing line was French, the notice concerns the channel.
		discord.show(TOKEN, '@original', "Texte.\n\n-# ✍️ en cours d'écriture…");
		await repairRun(entry([], { authorLanguage: 'fr', publicLanguage: 'de' }), deps(discord));
		expect(discord.writes).toEqual([
			{ kind: 'edit', messageId: '@original', body: { content: 'Texte.\n\n*abgebrochen: der Bot wurde neu gestartet*', components: [{ regenerate: 'Réécrire' }] } },
		]);
	});

	it('falls back to English for a language this version does not know', async () => {
		const discord = fakeMessages();
		discord.show(TOKEN, '@original', `Text.${WRITING}`);
		await repairRun(entry([], { authorLanguage: 'xx' as never, publicLanguage: 'xx' as never }), deps(discord));
		expect(discord.writes).toEqual([{ kind: 'edit', messageId: '@original', body: { content: `Text.${NOTICE}`, components: [{ regenerate: 'Regenerate' }] } }]);
	});

	it('leaves a story alone whose final write landed before the crash', async () => {
		const discord = fakeMessages();
		discord.show(TOKEN, '@original', 'The whole story.', true);
		expect(await repairRun(entry(), deps(discord))).toBe(true);
		expect(discord.writes).toEqual([]);
	});

	it('gives up on a story Discord no longer has, logging without the token', async () => {
		const discord = fakeMessages();
		const lines: string[] = [];
		expect(await repairRun(entry(), deps(discord, {}, lines))).toBe(false);
		expect(lines.join('\n')).toContain('could not repair an orphaned backstory');
		expect(lines.join('\n')).not.toContain(TOKEN);
	});
});

function describeJournalContract(name: string, makeBackend: () => Backend): void {
	describe(`run journal on ${name}`, () => {
		let backend: Backend;
		let opened: JournalStore[];
		const open = (): JournalStore => {
			const store = backend.open();
			opened.push(store);
			return store;
		};
		beforeEach(() => {
			backend = makeBackend();
			opened = [];
		});
		afterEach(async () => {
			await Promise.all(opened.map((store) => store.close()));
			await backend.cleanup?.();
		});

		it('records a run at its start, each new message, and removes it at its end', async () => {
			const store = open();
			const journal = createJournal(store, { log: quietLog(), bootId: 'boot-a' });
			const run = journal.start({ runId: 'r1', applicationId: 'app', token: TOKEN, authorId: 'u1', private: false, authorLanguage: 'en-US' });
			await sleep(150);
			expect(await store.getRuns(['r1'])).toMatchObject([{ runId: 'r1', token: TOKEN, followUpIds: [], bootId: 'boot-a', version: 1, authorLanguage: 'en-US', publicLanguage: 'en-US' }]);
			// The lease lists the run for a sweeper, and the boot is registered.
			expect((await store.getLease('boot-a'))?.runIds).toEqual(['r1']);
			await journal.renew();
			expect(await store.getBoots()).toEqual(['boot-a']);

			run.addMessage('m2');
			run.setPublicLanguage('de'); // the server's language, resolved after the start
			run.addMessage('m3');
			await sleep(50);
			expect(await store.getRuns(['r1'])).toMatchObject([{ followUpIds: ['m2', 'm3'], authorLanguage: 'en-US', publicLanguage: 'de' }]);
			run.end();
			await journal.close();
			expect(await store.getRuns(['r1'])).toEqual([]);
			// A graceful stop leaves nothing to repair.
			expect(await store.getLease('boot-a')).toBeUndefined();
			expect(await store.getBoots()).toEqual([]);
		});

		it('keeps a crashed process\'s runs for the next start, which repairs them and forgets the process', async () => {
			const crashed = open();
			const crashLines: string[] = [];
			const journal = createJournal(crashed, { log: quietLog(crashLines), bootId: 'boot-dead', leaseTtlMs: 100 });
			const run = journal.start({ runId: 'r1', applicationId: 'app', token: TOKEN, authorId: 'u1', private: false, authorLanguage: 'en-US' });
			run.addMessage('m2');
			await journal.renew();
			await sleep(300); // the lease (renewed by the first flush at 100 ms) lapses
			await crashed.close(); // the process dies: no end(), no close()

			const store = open();
			const discord = fakeMessages();
			discord.show(TOKEN, '@original', '📜 **A**\nFirst part.', false);
			discord.show(TOKEN, 'm2', `Second part.${WRITING}`);
			const lines: string[] = [];
			const report = await sweepOrphans({
				store,
				bootId: 'boot-new',
				messages: discord.messages,
				prompts: prompts({ r1: { characterName: 'A', description: 'B' } }),
				regenerateRow: (entry) => [{ regenerate: entry.runId }],
				log: quietLog(lines),
			});
			expect(report).toEqual({ deadBoots: ['boot-dead'], repaired: 1, dropped: 0 });
			expect(discord.writes).toEqual([{ kind: 'edit', messageId: 'm2', body: { content: `Second part.${NOTICE}`, components: [{ regenerate: 'r1' }] } }]);
			expect(await store.getRuns(['r1'])).toEqual([]);
			expect(await store.getBoots()).toEqual([]);
			expect([...lines, ...crashLines].join('\n')).not.toContain(TOKEN);
			expect(crashLines).toEqual([]);
		});

		it('never touches the runs of a process whose lease is alive', async () => {
			const store = open();
			const live = createJournal(store, { log: quietLog(), bootId: 'boot-live' });
			live.start({ runId: 'r1', applicationId: 'app', token: TOKEN, authorId: 'u1', private: false, authorLanguage: 'en-US' });
			await live.renew();
			const discord = fakeMessages();
			discord.show(TOKEN, '@original', `Text${WRITING}`);
			const report = await sweepOrphans({ store, bootId: 'boot-other', messages: discord.messages, prompts: prompts({}), regenerateRow: () => [], log: quietLog() });
			expect(report).toEqual({ deadBoots: [], repaired: 0, dropped: 0 });
			expect(discord.writes).toEqual([]);
			expect(await store.getRuns(['r1'])).toHaveLength(1);
		});

		it('drops entries whose token has expired without writing to Discord', async () => {
			const store = open();
			const startedLongAgo = Date.now() - INTERACTION_TOKEN_TTL_MS + 5_000;
			const old = createJournal(store, { log: quietLog(), bootId: 'boot-old', now: () => startedLongAgo, leaseTtlMs: 1 });
			old.start({ runId: 'r-old', applicationId: 'app', token: TOKEN, authorId: 'u1', private: false, authorLanguage: 'en-US' });
			await old.renew();
			await sleep(50);
			const discord = fakeMessages();
			const report = await sweepOrphans({ store, bootId: 'boot-new', messages: discord.messages, prompts: prompts({}), regenerateRow: () => [], log: quietLog() });
			expect(report).toEqual({ deadBoots: ['boot-old'], repaired: 0, dropped: 1 });
			expect(discord.writes).toEqual([]);
			expect(await store.getRuns(['r-old'])).toEqual([]);
		});

		it('re-registers a boot that a concurrent update dropped from the list', async () => {
			const store = open();
			const journal = createJournal(store, { log: quietLog(), bootId: 'boot-a' });
			await journal.renew();
			await store.putBoots(['someone-else']);
			await journal.renew();
			expect(await store.getBoots()).toEqual(['someone-else', 'boot-a']);
		});
	});
}

describeJournalContract('memory://', () => {
	// memory:// is per Keyv instance, so "reopening" after a crash shares the one instance.
	const keyv = createKeyvFromUrl('memory://', { namespace: 'backstory:journal', onError: () => undefined });
	return { open: () => createKeyvJournalStore(keyv, async () => undefined) };
});

describeJournalContract('sqlite:// (temp file)', () => {
	const dir = mkdtempSync(join(tmpdir(), 'backstory-journal-'));
	const url = `sqlite://${join(dir, 'backstory.sqlite')}`;
	return {
		open: () => {
			const keyv = createKeyvFromUrl(url, { namespace: 'backstory:journal', onError: () => undefined });
			return createKeyvJournalStore(keyv, () => disconnectKeyv(keyv));
		},
		cleanup: async () => rmSync(dir, { recursive: true, force: true }),
	};
});

const redisUrl = process.env['REDIS_URL'];
describe.skipIf(!redisUrl)('run journal on Redis (REDIS_URL)', () => {
	describeJournalContract(String(redisUrl), () => {
		const namespace = `backstory-test-${randomUUID()}:journal`;
		return {
			open: () => {
				const keyv = createKeyvFromUrl(redisUrl!, { namespace, onError: () => undefined });
				return createKeyvJournalStore(keyv, () => disconnectKeyv(keyv));
			},
			cleanup: async () => {
				const keyv = createKeyvFromUrl(redisUrl!, { namespace, onError: () => undefined });
				await keyv.clear();
				await disconnectKeyv(keyv);
			},
		};
	});
});
