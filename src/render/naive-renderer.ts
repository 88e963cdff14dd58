import { DISCORD_MESSAGE_LIMIT } from './split.js';
import type { FinishOptions, StreamRenderer, StreamRendererOptions } from './stream-renderer.js';
import { DeliveryLostError, type ReplyTarget } from './types.js';

/**
 * The way most streaming bots do it, kept only as the benchmark's baseline (RENDERER=naive):
 * one awaited write per upstream event, no interval, no coalescing, hard cuts at the limit.
 */
export function createNaiveRenderer(target: ReplyTarget, options: StreamRendererOptions): StreamRenderer {
	const limit = options.limit ?? DISCORD_MESSAGE_LIMIT;
	const lostController = new AbortController();
	let text = '';
	let created = 1;
	let chain = Promise.resolve();

	const write = (final: FinishOptions | undefined): void => {
		const snapshot = (options.header ?? '') + text + (final?.notice ? `\n\n*${final.notice}*` : '');
		chain = chain.then(async () => {
			if (lostController.signal.aborted || snapshot.trim() === '') return;
			try {
				for (let index = 0; index * limit < snapshot.length; index += 1) {
					const view = { content: snapshot.slice(index * limit, (index + 1) * limit), state: final?.complete ? 'complete' : 'ended' } as const;
					if (index >= created) {
						await target.create(index, view);
						created = index + 1;
					} else if ((index + 1) * limit >= snapshot.length) await target.edit(index, view);
				}
			} catch (error) {
				if (error instanceof DeliveryLostError) lostController.abort(error);
			}
		});
	};

	return {
		append(piece) {
			text += piece;
			write(undefined);
		},
		finish(finish) {
			write(finish);
			return chain;
		},
		get lost() {
			return lostController.signal;
		},
		get text() {
			return text;
		},
	};
}
