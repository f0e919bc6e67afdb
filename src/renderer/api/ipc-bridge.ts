// The Electron transport: the preload's { call, on }. Errors cross contextBridge as plain
// { code, message } objects (an Error would keep only its message), and are rebuilt here.
import type { ArgsOf, DriftwatchBridge, HandlerName, ResultOf } from '../../shared/api.js';
import { toApiError } from './errors.js';

export function createIpcBridge(raw: DriftwatchBridge): DriftwatchBridge {
  return {
    async call<K extends HandlerName>(name: K, args: ArgsOf<K>): Promise<ResultOf<K>> {
      try {
        return await raw.call(name, args);
      } catch (reason) {
        throw toApiError(reason);
      }
    },
    on: (name, listener) => raw.on(name, listener),
  };
}
