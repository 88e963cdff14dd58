import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { createServer } from 'node:net';

export interface TestRedis {
	readonly url: string;
	stop(): Promise<void>;
}

function hasRedisServer(): boolean {
	try {
		execFileSync('redis-server', ['--version'], { stdio: 'ignore' });
		return true;
	} catch {
		return false;
	}
}

/** True when a Redis can be had: a redis-server binary to start, or REDIS_URL. Use with it.skipIf. */
export const redisAvailable = hasRedisServer() || Boolean(process.env.REDIS_URL);

/**
 * A Redis for one test file: its own redis-server on a free port when the binary is installed (so
 * files running in parallel never share keys), otherwise REDIS_URL's server in database `database`
 * (wiped first).
 */
export async function startTestRedis(database = 1): Promise<TestRedis> {
	if (!hasRedisServer()) {
		const base = process.env.REDIS_URL;
		if (!base) throw new Error('no redis-server and no REDIS_URL: guard the test with redisAvailable');
		const url = `${base.replace(/\/\d*$/, '')}/${database}`;
		const { createClient } = await import('@redis/client');
		const client = createClient({ url });
		await client.connect();
		await client.flushDb();
		await client.quit();
		return { url, stop: async () => {} };
	}
	const port = await freePort();
	const child: ChildProcess = spawn('redis-server', ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'], {
		stdio: ['ignore', 'pipe', 'pipe'],
	});
	await new Promise<void>((resolve, reject) => {
		const timer = setTimeout(() => reject(new Error('redis-server did not start within 5 s')), 5_000);
		child.stdout!.on('data', (chunk: Buffer) => {
			if (chunk.toString().includes('Ready to accept connections')) {
				clearTimeout(timer);
				resolve();
			}
		});
		child.once('exit', (code) => reject(new Error(`redis-server exited with ${code}`)));
	});
	child.stdout!.resume();
	return {
		url: `redis://127.0.0.1:${port}`,
		async stop() {
			if (child.exitCode !== null) return;
			const exited = new Promise((resolve) => child.once('exit', resolve));
			child.kill('SIGTERM');
			await exited;
		},
	};
}

function freePort(): Promise<number> {
	return new Promise((resolve, reject) => {
		const server = createServer();
		server.once('error', reject);
		server.listen(0, '127.0.0.1', () => {
			const address = server.address();
			server.close(() => resolve(typeof address === 'object' && address ? address.port : 0));
		});
	});
}
