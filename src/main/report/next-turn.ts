// Reports are made in slices: between two slices the event loop runs, so `serve` keeps answering
// API calls and server-sent events, the scheduler ticks and a signal is handled.
export const nextTurn = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));
