import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import sqlite3 from 'sqlite3';
import { afterEach, describe, expect, it } from 'vitest';
import { createStores, type Stores } from '../../src/store/index.js';

const query = (path: string, sql: string) =>
	new Promise<Array<Record<string, unknown>>>((resolve, reject) => {
		const database = new sqlite3.Database(path, (openError) => {
			if (openError) return reject(openError);
			database.all(sql, (error, rows) => {
				database.close();
				if (error) reject(error);
				else resolve(rows as Array<Record<string, unknown>>);
			});
		});
	});

describe('SQLite store tuning', () => {
	let stores: Stores | undefined;
	let dir: string | undefined;
	afterEach(async () => {
		await stores?.close();
		if (dir) rmSync(dir, { recursive: true, force: true });
	});

	it('puts the file in WAL mode, so readers do not wait on a writer and a commit does not fsync', async () => {
		dir = mkdtempSync(join(tmpdir(), 'backstory-sqlite-'));
		const path = join(dir, 'store.sqlite');
		stores = createStores(`sqlite://${path}`, { onError: () => undefined });
		await stores.prompts.set('run-1', { characterName: 'Mindy', description: 'A lawyer.' });
		expect(await stores.prompts.get('run-1')).toEqual({ characterName: 'Mindy', description: 'A lawyer.' });
		expect(await query(path, 'PRAGMA journal_mode')).toEqual([{ journal_mode: 'wal' }]);
	});
});
