import { Client, ClientUser, GatewayIntentBits } from 'discord.js';
import { afterEach, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config/config.js';
import { clientOptions } from '../../src/discord/client-options.js';

const config = loadConfig({ DISCORD_TOKEN: 'token', CONVAI_API_KEY: 'key' });
const userData = (id: string) => ({ id, username: `user${id}`, discriminator: '0', global_name: null, avatar: null });

describe('the discord.js client options', () => {
	let client: Client | undefined;
	afterEach(async () => {
		await client?.destroy();
	});

	it('keep no user who ran a command in the cache, only the bot itself', () => {
		client = new Client({ intents: [GatewayIntentBits.Guilds], ...clientOptions(config) });
		// What discord.js does with the user of every interaction it receives.
		const users = client.users as unknown as { _add(data: unknown): { id: string; username: string } };
		// As discord.js does on READY.
		client.user = new (ClientUser as unknown as new (client: Client, data: unknown) => ClientUser)(client, userData('100'));
		client.users.cache.set('100', client.user);
		const added = Array.from({ length: 50 }, (_, n) => users._add(userData(String(200 + n))));
		// The interaction still gets a whole User object.
		expect(added[0]).toMatchObject({ id: '200', username: 'user200' });
		expect([...client.users.cache.keys()]).toEqual(['100']);
	});
});
