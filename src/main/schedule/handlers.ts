// The API handlers of automatic scans.
import type { HandlerTable } from '../api/dispatch.js';
import type { Db } from '../store/db.js';
import { listSchedules, scheduleOff, setSchedule } from './schedules.js';

/** `runner`: which scheduler runs on this engine, if any (the scheduler sets it). */
export function scheduleHandlers(db: Db, runner: { owner: string | null }): Pick<HandlerTable, 'schedules/list' | 'schedules/set' | 'schedules/off' | 'schedules/runner'> {
  return {
    'schedules/list': () => listSchedules(db),
    'schedules/set': (input) => setSchedule(db, input),
    'schedules/off': ({ group }) => scheduleOff(db, group),
    'schedules/runner': () => ({ here: runner.owner !== null, owner: runner.owner }),
  };
}
