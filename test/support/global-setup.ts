import { execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';

/** The end-to-end tests run the compiled bot exactly as `npm start` does, so build it once first. */
export default function setup(): void {
	const root = fileURLToPath(new URL('../..', import.meta.url));
	execFileSync(process.execPath, ['node_modules/typescript/bin/tsc', '-p', 'tsconfig.build.json'], {
		cwd: root,
		stdio: 'inherit',
	});
}
