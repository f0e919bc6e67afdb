// The API handlers of gold-master baselines: list, report, remove. Taking one scans its servers:
// baselines/create is the scan domain's (scan/handlers.ts).
import type { HandlerTable } from '../api/dispatch.js';
import { getPolicy } from '../policy/policies.js';
import { now, type Db } from '../store/db.js';
import { baselineReport, listBaselines, removeBaseline } from './baselines.js';

export function baselineHandlers(db: Db): Pick<HandlerTable, 'baselines/list' | 'baselines/get' | 'baselines/remove'> {
  return {
    'baselines/list': ({ policy }) => listBaselines(db, now(), policy === undefined ? undefined : getPolicy(db, policy).id),
    'baselines/get': ({ id }) => baselineReport(db, id, now()),
    'baselines/remove': ({ id }) => removeBaseline(db, id),
  };
}
