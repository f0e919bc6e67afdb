// The preload (sandboxed, context-isolated): exposes `window.driftwatch = { call, on }` and nothing
// else. `call` resolves with the handler's result or rejects with the envelope's plain
// { code, message } (contextBridge would strip an Error down to its message); the renderer's IPC
// transport rebuilds it as ApiError.
import { contextBridge, ipcRenderer, type IpcRendererEvent } from 'electron';
import type { ArgsOf, DriftwatchBridge, Envelope, HandlerName, PushEvents, PushName, ResultOf } from '../shared/api.js';
import { CALL_CHANNEL, PUSH_CHANNEL } from './channels.js';

const bridge = {
  async call<K extends HandlerName>(name: K, args: ArgsOf<K>): Promise<ResultOf<K>> {
    const envelope = (await ipcRenderer.invoke(CALL_CHANNEL, name, args)) as Envelope<ResultOf<K>>;
    if (envelope && envelope.ok) return envelope.data;
    const error = envelope && !envelope.ok ? envelope.error : { code: 'internal', message: 'the main process sent no reply' };
    return Promise.reject({ code: error.code, message: error.message });
  },
  on<K extends PushName>(name: K, listener: (payload: PushEvents[K]) => void): () => void {
    const handler = (_event: IpcRendererEvent, ...args: unknown[]) => {
      if (args[0] === name) listener(args[1] as PushEvents[K]);
    };
    ipcRenderer.on(PUSH_CHANNEL, handler);
    return () => {
      ipcRenderer.removeListener(PUSH_CHANNEL, handler);
    };
  },
} satisfies DriftwatchBridge;

contextBridge.exposeInMainWorld('driftwatch', bridge);
