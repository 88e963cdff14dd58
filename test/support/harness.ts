import { rmSync } from 'node:fs';
import { FAKE_CONVAI_KEY, makeBotFolder, startBot, type BotProcess } from './bot-process.js';
import { startFakeConvai, type FakeConvai, type FakeConvaiOptions, type Script } from './fake-convai.js';
import { startFakeDiscord, type FakeDiscord, type FakeDiscordOptions, type FakeMessage, type Interaction } from './fake-discord/index.js';

export const GUILD_ID = '1100000000000000001';
export const WRITING_MARKER_TEXT = 'writing…';

export interface Harness {
	discord: FakeDiscord;
	convai: FakeConvai;
	bot: BotProcess;
	/** Scripts are chosen by character name, so tests can share one bot. */
	scriptFor(characterName: string, script: Script): void;
	/** Sends /backstory and returns at once. */
	startBackstory(name: string, description: string, extra?: Partial<Parameters<FakeDiscord['sendCommand']>[0]>): Interaction;
	/** Sends /backstory and resolves once the bot logged that the run finished. */
	backstory(name: string, description: string, extra?: Partial<Parameters<FakeDiscord['sendCommand']>[0]>): Promise<Interaction>;
	finished(interaction: Interaction, timeoutMs?: number): Promise<Record<string, unknown>>;
	/** Stops the bot (SIGTERM, or SIGKILL for a crash) and starts it again in the same folder (same SQLite store). */
	restartBot(env?: Record<string, string>, options?: { signal?: NodeJS.Signals }): Promise<void>;
	/** Starts one more bot process in the same folder while the first keeps running; close() stops it too. */
	launchAnother(env?: Record<string, string>): Promise<BotProcess>;
	close(): Promise<void>;
}

export interface HarnessOptions {
	discord?: FakeDiscordOptions;
	convai?: FakeConvaiOptions;
	env?: Record<string, string>;
	/** Another bot script instead of the built bot (the bench's floor bot). */
	entry?: string;
}

/** The fakes on 127.0.0.1 and the built bot wired to them, ready for commands. */
export async function startHarness(options: HarnessOptions = {}): Promise<Harness> {
	const discord = await startFakeDiscord(options.discord);
	const scripts = new Map<string, Script>();
	const convai = await startFakeConvai((form) => scripts.get(form.charName ?? '') ?? { status: 404 }, { apiKey: FAKE_CONVAI_KEY, ...options.convai });
	const env = {
		DISCORD_API_URL: discord.apiUrl,
		CONVAI_API_URL: convai.url,
		DISCORD_GUILD_ID: GUILD_ID,
		EDIT_INTERVAL_MS: '300',
		// Most tests share one user and one bot; the fair-use and guard tests turn the limits back on.
		COOLDOWN_SECONDS: '0',
		TALK_COOLDOWN_SECONDS: '0',
		MAX_RUNNING_PER_USER: '0',
		MAX_RUNNING_PER_GUILD: '0',
		MAX_RUNNING_TOTAL: '0',
		DAILY_GENERATIONS_PER_USER: '0',
		DAILY_GENERATIONS_PER_GUILD: '0',
		DAILY_TALKS_PER_USER: '0',
		...options.env,
	};
	const folder = makeBotFolder();
	const launch = async (extraEnv: Record<string, string> = {}) => {
		const bot = startBot({ ...env, ...extraEnv }, { cwd: folder, ...(options.entry ? { entry: options.entry } : {}) });
		await bot.waitForLog((entry) => entry.msg === 'slash commands registered' || entry.msg === 'slash commands already up to date');
		return bot;
	};
	let bot = await launch();
	const others: BotProcess[] = [];

	const harness: Harness = {
		discord,
		convai,
		get bot() {
			return bot;
		},
		scriptFor: (name, script) => void scripts.set(name, script),
		startBackstory: (name, description, extra = {}) => sendBackstory(discord, name, description, extra),
		async backstory(name, description, extra = {}) {
			const interaction = harness.startBackstory(name, description, extra);
			await harness.finished(interaction);
			return interaction;
		},
		finished: (interaction, timeoutMs = 20_000) => waitForFinished(bot, interaction.id, timeoutMs),
		async restartBot(extraEnv, restart = {}) {
			await bot.stop(restart.signal);
			bot = await launch(extraEnv);
		},
		async launchAnother(extraEnv) {
			const other = await launch(extraEnv);
			others.push(other);
			return other;
		},
		async close() {
			await Promise.all([bot, ...others].map((process) => process.stop()));
			await discord.close();
			await convai.close();
			rmSync(folder, { recursive: true, force: true });
		},
	};
	return harness;
}

/** What the user finally sees in each message of an interaction, in order. */
export function finalContents(discord: FakeDiscord, interaction: Interaction): string[] {
	return discord.messagesOf(interaction.id).map((message) => message.content);
}

/** The story text shown across the messages, without the header on the first one. */
export function storyText(discord: FakeDiscord, interaction: Interaction, header: string): string {
	const contents = finalContents(discord, interaction);
	if (contents[0]?.startsWith(header)) contents[0] = contents[0].slice(header.length);
	return contents.join('');
}

const LOADING_FLAG = 128;

/** Every state the bot wrote to any message (not the deferred "thinking" state): content, allowed mentions, pings. */
export function allStates(messages: FakeMessage[]) {
	return messages.flatMap((message) => message.history).filter((state) => (state.flags & LOADING_FLAG) === 0);
}

/** How many times the bot has written the first message of an interaction so far. */
export function writesToFirstMessage(discord: FakeDiscord, interaction: Interaction): number {
	const first = discord.messagesOf(interaction.id)[0];
	return first ? allStates([first]).length : 0;
}

/** Sends /backstory without waiting for it to finish (`extra.user` makes it another user's run). */
export function sendBackstory(
	discord: FakeDiscord,
	name: string,
	description: string,
	extra: Partial<Parameters<FakeDiscord['sendCommand']>[0]> = {},
): Interaction {
	return discord.sendCommand({
		name: 'backstory',
		guildId: GUILD_ID,
		options: [
			{ name: 'name', type: 3, value: name },
			{ name: 'description', type: 3, value: description },
		],
		...extra,
	});
}

interface FinishedIndex {
	parsed: number;
	byInteraction: Map<string, Record<string, unknown>>;
}
const finishedIndexes = new WeakMap<BotProcess, FinishedIndex>();

/**
 * The bot's 'backstory finished' line for an interaction. Each output line is parsed once however
 * many runs are awaited: waitForLog re-parses every line for every waiter, which is quadratic
 * when fifty runs finish together.
 */
export function waitForFinished(bot: BotProcess, interactionId: string, timeoutMs = 20_000): Promise<Record<string, unknown>> {
	let index = finishedIndexes.get(bot);
	if (!index) finishedIndexes.set(bot, (index = { parsed: 0, byInteraction: new Map() }));
	const found = (): Record<string, unknown> | undefined => {
		for (; index.parsed < bot.lines.length; index.parsed += 1) {
			const line = bot.lines[index.parsed]!;
			if (!line.includes('"backstory finished"')) continue;
			try {
				const entry = JSON.parse(line) as Record<string, unknown>;
				if (entry['msg'] === 'backstory finished') index.byInteraction.set(String(entry['interactionId']), entry);
			} catch {
				// Not a log line.
			}
		}
		return index.byInteraction.get(interactionId);
	};
	return new Promise((resolve, reject) => {
		const deadline = Date.now() + timeoutMs;
		const check = (): void => {
			const entry = found();
			if (entry) {
				clearInterval(timer);
				resolve(entry);
			} else if (Date.now() > deadline) {
				clearInterval(timer);
				reject(new Error(`run ${interactionId} did not finish within ${timeoutMs} ms; output:\n${bot.lines.slice(-30).join('\n')}`));
			}
		};
		const timer = setInterval(check, 20);
		check();
	});
}
