// Loaded into the bot by the soak only (NODE_OPTIONS="--expose-gc --import <this file>"). Preloaded,
// this listener runs before the bot's own SIGUSR2 diagnostics, so each snapshot measures live
// memory rather than however much garbage happened to be waiting for the next collection.
process.on('SIGUSR2', () => globalThis.gc?.());
