// One handler table for every surface: the CLI, Electron IPC and the loopback HTTP server all go
// through `dispatch`, which checks the name and the arguments (shared/api-schema.ts) and turns any
// failure into the reply envelope.
import { argSchemas } from '../../shared/api-schema.js';
import { InvalidArgument, parseArgs, type Schema } from '../../shared/validate.js';
import { ApiError, type ArgsOf, type Envelope, type HandlerName, type Handlers, type PushEvents, type PushName, type ResultOf } from '../../shared/api.js';

export type HandlerTable = { [K in HandlerName]: (args: ArgsOf<K>) => Promise<ResultOf<K>> | ResultOf<K> };

export type PushListener = <K extends PushName>(name: K, payload: PushEvents[K]) => void;

export function isHandlerName(table: HandlerTable, name: string): name is HandlerName {
  return Object.prototype.hasOwnProperty.call(table, name);
}

export async function dispatch(table: HandlerTable, name: string, args: unknown): Promise<Envelope<unknown>> {
  if (!isHandlerName(table, name)) return { ok: false, error: { code: 'not_found', message: `unknown API call '${name}'` } };
  try {
    const handler = table[name] as (a: unknown) => unknown;
    return { ok: true, data: await handler(checkArgs(name, args)) };
  } catch (err) {
    return { ok: false, error: toApiError(err) };
  }
}

/** The arguments as the handler's schema reads them, or an `invalid_input` ApiError naming the field. */
export function checkArgs<K extends HandlerName>(name: K, args: unknown): ArgsOf<K> {
  try {
    // No arguments (an empty body, a call without options) reads as an empty object.
    return parseArgs(argSchemas[name] as Schema<ArgsOf<K>>, args ?? {});
  } catch (err) {
    if (err instanceof InvalidArgument) throw new ApiError('invalid_input', err.message);
    throw err;
  }
}

export function toApiError(err: unknown): { code: ApiError['code']; message: string } {
  if (err instanceof ApiError) return { code: err.code, message: err.message };
  const message = err instanceof Error ? err.message : String(err);
  return { code: 'internal', message };
}

export type { Handlers };
