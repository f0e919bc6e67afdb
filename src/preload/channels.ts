// The two IPC channels between the preload and the main process. Nothing else crosses.
export const CALL_CHANNEL = 'driftwatch:call';
export const PUSH_CHANNEL = 'driftwatch:push';
