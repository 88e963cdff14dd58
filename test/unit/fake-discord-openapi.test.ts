import { describe, expect, it } from 'vitest';
import { openApiValidator } from '../support/fake-discord/openapi.js';

const GUILD_COMMANDS = '/applications/{application_id}/guilds/{guild_id}/commands';
const command = (defaultMemberPermissions: unknown) => [
	{ name: 'usage', description: 'Counts', type: 1, default_member_permissions: defaultMemberPermissions },
];

describe('the fake Discord OpenAPI validation', () => {
	it('takes a permission bit set as an integer or a digit string (discord.js sends strings), nothing else', () => {
		const validator = openApiValidator();
		expect(validator.validate(GUILD_COMMANDS, 'put', command(32)).ok).toBe(true);
		expect(validator.validate(GUILD_COMMANDS, 'put', command('32')).ok).toBe(true);
		expect(validator.validate(GUILD_COMMANDS, 'put', command(null)).ok).toBe(true);
		expect(validator.validate(GUILD_COMMANDS, 'put', command('manage server')).ok).toBe(false);
		expect(validator.validate(GUILD_COMMANDS, 'put', command(-1)).ok).toBe(false);
	});
});
