// The API handler of the store itself: its check.
import type { HandlerTable } from '../api/dispatch.js';
import { checkStore } from './check.js';
import type { Db } from './db.js';

export function storeHandlers(db: Db): Pick<HandlerTable, 'store/check'> {
  return { 'store/check': () => checkStore(db) };
}
