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
	const sent: string[] = [];
	let chain = Promise.resolve();

	// Each event awaits its own write(s): whatever changed, in order, with no interval and no coalescing.
	const write = (final: FinishOptions | undefined): void => {
		const snapshot = (options.header ?? '') + text + (final?.notice ? `\n\n*${final.notice}*` : '');
		chain = chain.then(async () => {
			if (lostController.signal.aborted || snapshot.trim() === '') return;
			try {
				for (let index = 0; index * limit < snapshot.length; index += 1) {
					const content = snapshot.slice(index * limit, (index + 1) * limit);
					const isLast = (index + 1) * limit >= snapshot.length;
					// The final write still goes out when unchanged: it swaps Stop for Regenerate.
					if (content === sent[index] && !(final && isLast)) continue;
					const view = { content, state: final?.complete ? 'complete' : 'ended' } as const;
					if (index === 0 || sent[index] !== undefined) await target.edit(index, view);
					else await target.create(index, view);
					sent[index] = content;
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
