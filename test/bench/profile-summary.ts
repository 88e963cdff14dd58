/**
 * `npx tsx test/bench/profile-summary.ts DIR/bot-*.cpuprofile`: where the bot's one thread spent its
 * time in a profiled bench run, as self time per package (discord.js, undici, ours by folder, Node
 * internals, GC) and per function.
 */
import { readFileSync } from 'node:fs';

interface ProfileNode {
	id: number;
	callFrame: { functionName: string; url: string; lineNumber: number };
	children?: number[];
}
interface Profile {
	nodes: ProfileNode[];
	samples: number[];
	timeDeltas: number[];
	startTime: number;
	endTime: number;
}

/** Which package or folder a script belongs to. */
export function ownerOf(url: string, functionName: string): string {
	if (url === '') return functionName.startsWith('(') ? functionName : '(native)';
	// A package inside another's node_modules (undici 6 inside @discordjs/rest) is named with its parent.
	const modules = [...url.matchAll(/node_modules\/((?:@[^/]+\/)?[^/]+)/g)].map((match) => match[1]!);
	if (modules.length > 0) return modules.join(' > ');
	const ours = /\/dist\/src\/([^/]+)\//.exec(url);
	if (ours) return `ours: src/${ours[1]}`;
	if (url.includes('/dist/src/')) return 'ours: src/';
	if (url.startsWith('node:')) return 'node internals';
	return url;
}

export function summarize(profile: Profile, top = 25): string {
	const byId = new Map(profile.nodes.map((node) => [node.id, node]));
	const selfUs = new Map<number, number>();
	for (const [index, id] of profile.samples.entries()) selfUs.set(id, (selfUs.get(id) ?? 0) + (profile.timeDeltas[index] ?? 0));
	const total = profile.endTime - profile.startTime;
	const byOwner = new Map<string, number>();
	const byFunction = new Map<string, number>();
	for (const [id, us] of selfUs) {
		const frame = byId.get(id)!.callFrame;
		const owner = ownerOf(frame.url, frame.functionName);
		byOwner.set(owner, (byOwner.get(owner) ?? 0) + us);
		const name = `${frame.functionName || '(anonymous)'} ${owner}:${frame.lineNumber + 1}`;
		byFunction.set(name, (byFunction.get(name) ?? 0) + us);
	}
	const lines = (map: Map<string, number>, count: number) =>
		[...map]
			.sort((a, b) => b[1] - a[1])
			.slice(0, count)
			.map(([name, us]) => `  ${((us / total) * 100).toFixed(1).padStart(5)} %  ${(us / 1e6).toFixed(2).padStart(7)} s  ${name}`);
	return [
		`profile: ${(total / 1e6).toFixed(1)} s wall`,
		'self time by package:',
		...lines(byOwner, 15),
		`self time by function (top ${top}):`,
		...lines(byFunction, top),
	].join('\n');
}

if (process.argv[1]?.endsWith('profile-summary.ts')) {
	for (const path of process.argv.slice(2)) {
		process.stdout.write(`${path}\n${summarize(JSON.parse(readFileSync(path, 'utf8')) as Profile)}\n`);
	}
}
