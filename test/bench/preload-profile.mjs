// Loaded into the bot by `npm run bench -- --profile DIR` only (NODE_OPTIONS="--import <this file>",
// since Node refuses --cpu-prof in NODE_OPTIONS). Records a CPU profile of the whole run through the
// inspector and writes it into BENCH_PROFILE_DIR when the bot exits; for the same thread, Session#post
// answers synchronously, so this works inside the 'exit' handler.
import { writeFileSync } from 'node:fs';
import { Session } from 'node:inspector';
import { join } from 'node:path';

const dir = process.env.BENCH_PROFILE_DIR;
if (dir) {
	const session = new Session();
	session.connect();
	session.post('Profiler.enable');
	session.post('Profiler.setSamplingInterval', { interval: 1000 });
	session.post('Profiler.start');
	process.on('exit', () => {
		session.post('Profiler.stop', (error, result) => {
			if (!error) writeFileSync(join(dir, `bot-${process.pid}.cpuprofile`), JSON.stringify(result.profile));
		});
	});
}
