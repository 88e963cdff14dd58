// `npm run bench -- --floor`: the least any discord.js bot must do for one /backstory, run under the
// same load as ours so the two compare in one run. It defers and sends the Convai request at once
// (neither waits for the other), reads the stream and writes the text once at the end: no fair use,
// no store, no screening, no pacing, no follow-ups. Its ack and upstream-start figures are the floor
// that discord.js, undici and this machine allow; its texts are not checked (one message, cut at 2,000).
import { Client, GatewayIntentBits } from 'discord.js';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { createParser } from 'eventsource-parser';
import { request } from 'undici';

const env = process.env;
const log = (msg, fields = {}) => process.stdout.write(`${JSON.stringify({ level: 'info', msg, ...fields })}\n`);
const client = new Client({ intents: [GatewayIntentBits.Guilds], allowedMentions: { parse: [] }, rest: { api: env.DISCORD_API_URL, globalRequestsPerSecond: 1_000 } });

async function story(name, description) {
	const response = await request(`${env.CONVAI_API_URL}/character/generate-backstory`, {
		method: 'POST',
		headers: { 'CONVAI-API-KEY': env.CONVAI_API_KEY, 'content-type': 'application/x-www-form-urlencoded' },
		body: new URLSearchParams({ inputText: description, charName: name }).toString(),
	});
	let text = '';
	const parser = createParser({ onEvent: (event) => (text += event.data) });
	const decoder = new TextDecoder();
	for await (const chunk of response.body) parser.feed(decoder.decode(chunk, { stream: true }));
	parser.feed('\n\n');
	return text;
}

client.on('interactionCreate', async (interaction) => {
	if (!interaction.isChatInputCommand()) return;
	const [text] = await Promise.all([story(interaction.options.getString('name', true), interaction.options.getString('description', true)), interaction.deferReply()]);
	await interaction.editReply(text.slice(0, 2_000) || '(empty)');
	log('backstory finished', { interactionId: interaction.id });
});
client.once('clientReady', () => log('slash commands registered'));
// The bench reads memory, CPU and loop delay from a diagnostics line, as it does from our bot.
const loopDelay = monitorEventLoopDelay({ resolution: 10 });
loopDelay.enable();
process.on('SIGUSR2', () => {
	const cpu = process.cpuUsage();
	const memory = process.memoryUsage();
	log('diagnostics', {
		rssBytes: memory.rss,
		heapUsedBytes: memory.heapUsed,
		cpuSeconds: (cpu.user + cpu.system) / 1e6,
		eventLoopDelayP99Ms: loopDelay.percentile(99) / 1e6,
		eventLoopDelayMaxMs: loopDelay.max / 1e6,
		resources: {},
	});
});
process.once('SIGTERM', () => void client.destroy().then(() => process.exit(0)));
await client.login(env.DISCORD_TOKEN);
