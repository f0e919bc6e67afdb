// The API handlers of alerting: profiles, SMTP settings, the outbox.
import type { HandlerTable } from '../api/dispatch.js';
import type { Db } from '../store/db.js';
import type { Alerts } from './dispatcher.js';
import { addProfile, assignProfile, listProfiles, removeProfile, stripProfile, unassignProfile, updateProfile } from './profiles.js';
import { getSmtp, setSmtp, testSmtp } from './smtp.js';

type AlertHandlerName =
  | 'alertProfiles/list'
  | 'alertProfiles/add'
  | 'alertProfiles/update'
  | 'alertProfiles/remove'
  | 'alertProfiles/assign'
  | 'alertProfiles/unassign'
  | 'smtp/get'
  | 'smtp/set'
  | 'smtp/test'
  | 'alerts/outbox'
  | 'alerts/flush';

export function alertHandlers(db: Db, alerts: Alerts): Pick<HandlerTable, AlertHandlerName> {
  return {
    'alertProfiles/list': () => listProfiles(db).map(stripProfile),
    'alertProfiles/add': (input) => stripProfile(addProfile(db, input)),
    'alertProfiles/update': ({ name, patch }) => stripProfile(updateProfile(db, name, patch)),
    'alertProfiles/remove': ({ name }) => removeProfile(db, name),
    'alertProfiles/assign': ({ group, profile }) => stripProfile(assignProfile(db, group, profile)),
    'alertProfiles/unassign': ({ group, profile }) => stripProfile(unassignProfile(db, group, profile)),
    'smtp/get': () => getSmtp(db),
    'smtp/set': (input) => setSmtp(db, alerts.box, input),
    'smtp/test': ({ to }) => testSmtp(db, alerts.box, to),
    'alerts/outbox': (args) => alerts.outbox(args ?? {}),
    'alerts/flush': (args) => alerts.deliverPending({ force: args?.force ?? true }),
  };
}
