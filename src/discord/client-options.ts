import { Options, type ClientOptions } from 'discord.js';
import type { Config } from '../config/config.js';
import { NO_MENTIONS } from './reply-target.js';

const INTERACTION_REQUESTS_PER_SECOND = 1_000;
const HANDLER_SWEEP_INTERVAL_MS = 60_000;

/** The discord.js options every entry point shares. */
export function clientOptions(config: Config): Pick<ClientOptions, 'allowedMentions' | 'rest' | 'makeCache'> {
	return {
		allowedMentions: NO_MENTIONS,
		// Every interaction carries its user and member, and nothing here reads them back from a cache;
		// discord.js would otherwise keep every user who ever ran a command, for good (about 1.5 KB each:
		// the heap grew 12 % over a 2,000-user soak). The bot's own user is kept.
		makeCache: Options.cacheWithLimits({
			...Options.DefaultMakeCacheSettings,
			UserManager: { maxSize: 0, keepOverLimit: (user) => user.id === user.client.user?.id },
			GuildMemberManager: { maxSize: 0, keepOverLimit: (member) => member.id === member.client.user?.id },
		}),
		rest: {
			...(config.discordApiUrl ? { api: config.discordApiUrl } : {}),
			// Discord exempts interaction replies and webhooks from its 50 requests/s global limit, and they
			// are nearly all this bot sends; discord.js's own limiter would otherwise queue busy servers'
			// edits behind each other. Per-reply buckets (and 429 handling) still apply.
			globalRequestsPerSecond: INTERACTION_REQUESTS_PER_SECOND,
			// discord.js keeps a queue per interaction token until this sweep (default: hourly), and a sweep
			// only drops idle queues (a later write to the token makes a new one). At 5 minutes a 2,000-story
			// soak ended with 3 MB more heap (about 1.5 KB per finished story); every minute keeps it flat.
			handlerSweepInterval: HANDLER_SWEEP_INTERVAL_MS,
		},
	};
}
