/** User-facing sentences of the run journal (kept together for the translation catalogue). */
export const JOURNAL_TEXT = {
	/** Ends the last message of a story whose process died mid-run. */
	restartedNotice: 'interrupted: the bot restarted',
} as const;
