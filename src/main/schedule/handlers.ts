// The API handlers of automatic scans.
import type { HandlerTable } from '../api/dispatch.js';
import type { Db } from '../store/db.js';
import { listSchedules, scheduleOff, setSchedule } from './schedules.js';

export function scheduleHandlers(db: Db): Pick<HandlerTable, 'schedules/list' | 'schedules/set' | 'schedules/off'> {
  return {
    'schedules/list': () => listSchedules(db),
    'schedules/set': (input) => setSchedule(db, input),
    'schedules/off': ({ group }) => scheduleOff(db, group),
  };
}
