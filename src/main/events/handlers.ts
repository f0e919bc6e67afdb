// The API handlers of events: list, get, accept (by id or by filter), and trusting a changed host key
// met as an event. Each change is pushed (events/changed) to the surfaces.
import { ApiError } from '../../shared/api.js';
import type { AcceptScope } from '../../shared/domain.js';
import type { HandlerTable, PushListener } from '../api/dispatch.js';
import { activeBaselineIds } from '../baseline/baselines.js';
import { getServer, requireNames } from '../inventory/inventory.js';
import { pinHostKey } from '../inventory/ssh-access.js';
import { now, type Db } from '../store/db.js';
import { getEvent, listEvents, matchingEventIds } from './event-list.js';
import { acceptEvents, hostKeyEvent } from './events.js';

export function eventHandlers(db: Db, push: PushListener): Pick<HandlerTable, 'events/list' | 'events/get' | 'events/accept' | 'events/acceptMatching' | 'events/trustHostKey'> {
  function accept(ids: number[], note: string | undefined, scope: AcceptScope | undefined) {
    const at = now();
    const accepted = acceptEvents(db, ids, { ...(note !== undefined ? { note } : {}), ...(scope ? { scope } : {}), at, activeBaselineIds: (pid) => activeBaselineIds(db, pid, at) });
    push('events/changed', { servers: [...new Set(accepted.map((e) => e.server))] });
    return accepted;
  }

  return {
    'events/list': (filter) => {
      requireNames(db, { servers: filter?.server, groups: filter?.group, policies: filter?.policy });
      return listEvents(db, filter ?? {});
    },
    'events/get': ({ id }) => getEvent(db, id),
    'events/accept': ({ ids, note, scope }) => accept(ids, note, scope),
    'events/acceptMatching': ({ filter, expected, note, scope }) => {
      // Only open events can be accepted: whatever status the filter shows, these are its open ones.
      const ids = matchingEventIds(db, { ...filter, status: 'open' });
      if (ids.length !== expected) {
        throw new ApiError('conflict', `the filter now matches ${ids.length} open event${ids.length === 1 ? '' : 's'}, not ${expected}: nothing was accepted; look again and retry`);
      }
      const accepted = accept(ids, note, scope);
      return { accepted: accepted.length, servers: [...new Set(accepted.map((e) => e.server))] };
    },
    'events/trustHostKey': ({ id }) => {
      const event = hostKeyEvent(db, id);
      const server = getServer(db, event.serverName);
      // The key met may be a jump host's: only a change of this server's own pinned key is settled here.
      if (server.hostKey !== event.pinned) {
        throw new ApiError('conflict', `event ${id} is about a key other than the one pinned for ${server.name} (a jump host's?): trust the right server with driftwatch server trust`);
      }
      pinHostKey(db, server, event.presented, `event ${id}: the new key is legitimate`, true);
      push('events/changed', { servers: [server.name] });
      return getEvent(db, id);
    },
  };
}
