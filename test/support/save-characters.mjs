// Saves N characters to one server roster as fast as it can, through the compiled store
// (dist/, built by the test global setup): one of the "two processes" of the roster race test.
// Usage: node save-characters.mjs REDIS_URL NAMESPACE_PREFIX TAG N
import { createStores } from '../../dist/src/store/index.js';

const [url, namespacePrefix, tag, count] = process.argv.slice(2);
const stores = createStores(url, { namespacePrefix, rosterCap: 1_000, timeoutMs: 10_000, onError: (error) => console.error(error) });
await Promise.all(
	Array.from({ length: Number(count) }, (_, n) =>
		stores.characters.save({
			guildId: '1100000000000000001',
			name: `${tag}-${n}`,
			description: 'Saved in a race.',
			text: 'A story.',
			authorId: '1200000000000000001',
			authorName: 'Racer',
			messageUrl: null,
			private: false,
		}),
	),
);
await stores.close();
