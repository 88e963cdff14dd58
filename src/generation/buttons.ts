import {
	ButtonStyle,
	ComponentType,
	type APIActionRowComponent,
	type APIComponentInMessageActionRow,
} from 'discord.js';

/**
 * The Stop and Regenerate buttons. Their custom id is `backstory:<action>:<run id>:<author id>[:p]`:
 * all the state a button needs after a restart. It is built and parsed here and nowhere else.
 */
export const BACKSTORY_BUTTON_PREFIX = 'backstory';

export type BackstoryButtonAction = 'stop' | 'regen';

export interface BackstoryButton {
	action: BackstoryButtonAction;
	runId: string;
	authorId: string;
	private: boolean;
}

export function backstoryButtonId(button: BackstoryButton): string {
	return [BACKSTORY_BUTTON_PREFIX, button.action, button.runId, button.authorId, ...(button.private ? ['p'] : [])].join(':');
}

/** `args` are the custom id's parts after the prefix; undefined for an id this version does not know. */
export function parseBackstoryButton(args: readonly string[]): BackstoryButton | undefined {
	const [action, runId, authorId, privacy] = args;
	if (!runId || !authorId || (action !== 'stop' && action !== 'regen')) return undefined;
	return { action, runId, authorId, private: privacy === 'p' };
}

type ActionRow = APIActionRowComponent<APIComponentInMessageActionRow>;

/** `label` is already in the reader's language (the catalogue's `generation.stop`). */
export function stopButtonRow(button: Omit<BackstoryButton, 'action'>, label: string): ActionRow[] {
	return [row({ type: ComponentType.Button, style: ButtonStyle.Danger, label, emoji: { name: '⏹️' }, custom_id: backstoryButtonId({ ...button, action: 'stop' }) })];
}

/** `label` is already in the reader's language (the catalogue's `generation.regenerate`). */
export function regenerateButtonRow(button: Omit<BackstoryButton, 'action'>, label: string): ActionRow[] {
	return [row({ type: ComponentType.Button, style: ButtonStyle.Secondary, label, emoji: { name: '🔄' }, custom_id: backstoryButtonId({ ...button, action: 'regen' }) })];
}

function row(button: APIComponentInMessageActionRow): ActionRow {
	return { type: ComponentType.ActionRow, components: [button] };
}
