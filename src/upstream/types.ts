/** What the bot asks the upstream for. */
export interface BackstoryRequest {
	/** Sent as `charName`. */
	characterName: string;
	/** Sent as `inputText`. */
	description: string;
}

export interface StreamOptions {
	/** Aborting closes the upstream connection; the stream then throws the abort reason. */
	signal?: AbortSignal;
}

/**
 * A source of backstory text. The stream yields pieces of text in order; their concatenation is the
 * backstory. It ends normally when the story is complete and throws an UpstreamError otherwise.
 */
export interface BackstorySource {
	streamBackstory(request: BackstoryRequest, options?: StreamOptions): AsyncIterable<string>;
}
