import { MessageFlag } from './store.js';
import type { FakeMessage, MessageState } from './types.js';

/**
 * What a user saw of a message over time, read from its recorded states. The deferred
 * "thinking…" state is not a write of the bot's text, so it is left out everywhere here.
 */
export function writesOf(message: FakeMessage): MessageState[] {
	return message.history.filter((state) => (state.flags & MessageFlag.Loading) === 0);
}

/** The content shown at time `t` (performance.now() ms), or undefined before the message existed or after it was deleted. */
export function contentAt(message: FakeMessage, t: number): string | undefined {
	if (message.deletedAt !== undefined && t >= message.deletedAt) return undefined;
	let shown: string | undefined;
	for (const state of message.history) {
		if (state.at > t) break;
		shown = (state.flags & MessageFlag.Loading) === 0 ? state.content : undefined;
	}
	return shown;
}

/** When the message started showing its final content for good (a later identical write does not move it). */
export function settledAt(message: FakeMessage): number | undefined {
	const writes = writesOf(message);
	const last = writes.at(-1);
	if (!last) return undefined;
	let index = writes.length - 1;
	while (index > 0 && writes[index - 1]!.content === last.content) index -= 1;
	return writes[index]!.at;
}

/** Writes that changed nothing a user can read: the same content as the state before them. */
export function unchangedWrites(message: FakeMessage): number {
	const writes = writesOf(message);
	return writes.filter((state, index) => index > 0 && writes[index - 1]!.content === state.content).length;
}

/** When the first text of an interaction became visible (its first write to any message). */
export function firstTextAt(messages: FakeMessage[]): number | undefined {
	const times = messages.flatMap((message) => writesOf(message).slice(0, 1).map((state) => state.at));
	return times.length === 0 ? undefined : Math.min(...times);
}

/** When the whole final text of an interaction was visible: the last message to settle. */
export function finalTextAt(messages: FakeMessage[]): number | undefined {
	const times = messages.map(settledAt);
	return times.some((t) => t === undefined) || times.length === 0 ? undefined : Math.max(...(times as number[]));
}
