// The API handlers of servers and groups. A server's summary (its last scan, open events, pre-flight)
// is the scan domain's: the engine passes it in.
import type { ServerSummary } from '../../shared/api.js';
import type { HandlerTable } from '../api/dispatch.js';
import { retireUnmonitored } from '../events/events.js';
import { now, type Db } from '../store/db.js';
import * as inventory from './inventory.js';
import * as removal from './removal.js';
import { importSshConfig, probeServerKey, trustServer } from './ssh-access.js';

type InventoryHandlers = Pick<
  HandlerTable,
  | 'servers/list' | 'servers/get' | 'servers/add' | 'servers/update' | 'servers/remove' | 'servers/move' | 'servers/probeHostKey' | 'servers/trust'
  | 'servers/importSshConfig' | 'groups/list' | 'groups/add' | 'groups/assign' | 'groups/unassign' | 'groups/remove'
>;

export function inventoryHandlers(db: Db, summary: (server: inventory.StoredServer) => ServerSummary): InventoryHandlers {
  /** A stored server, with what looks like a mistake (warnings, not refusals). */
  const saved = (server: inventory.StoredServer) => ({ ...inventory.publicServer(server), warnings: inventory.serverWarnings(db, server) });
  return {
    'servers/list': () => inventory.listServers(db).map(summary),
    'servers/get': ({ name }) => summary(inventory.getServer(db, name)),
    'servers/add': (input) => saved(inventory.addServer(db, input)),
    'servers/update': ({ name, patch }) =>
      db.transaction(() => {
        const server = inventory.updateServer(db, name, patch);
        retireUnmonitored(db, movedTo(server.group), now());
        return saved(server);
      })(),
    'servers/remove': ({ name, preview }) => removal.removeServer(db, name, preview),
    'servers/move': ({ names, group }) =>
      db.transaction(() => {
        inventory.moveServers(db, names, group);
        retireUnmonitored(db, movedTo(group), now());
      })(),
    'servers/probeHostKey': ({ name }) => probeServerKey(db, name),
    'servers/trust': async ({ name, fingerprint, knownHostsFile, replace, how }) =>
      inventory.publicServer(
        await trustServer(db, name, {
          ...(fingerprint ? { fingerprint } : {}),
          ...(knownHostsFile !== undefined ? { knownHostsFile } : {}),
          ...(replace ? { replace } : {}),
          ...(how ? { how } : {}),
        }),
      ),
    'servers/importSshConfig': ({ file, hosts, group }) => importSshConfig(db, { ...(file ? { file } : {}), ...(hosts ? { hosts } : {}), group: group ?? null }),
    'groups/list': () => inventory.listGroups(db),
    'groups/add': ({ name, policies }) => inventory.addGroup(db, name, policies),
    'groups/assign': ({ name, policy }) => inventory.assignPolicy(db, name, policy),
    'groups/unassign': ({ name, policy }) =>
      db.transaction(() => {
        const group = inventory.unassignPolicy(db, name, policy);
        retireUnmonitored(db, `policy '${policy}' was unassigned from group '${name}'`, now());
        return group;
      })(),
    'groups/remove': ({ name, preview }) => removal.removeGroup(db, name, preview),
  };
}

/** Why a moved server's open events of a policy its new group lacks are retired. */
function movedTo(group: string | null): string {
  return `the server moved to ${group ?? inventory.UNASSIGNED}, whose policies do not include this one`;
}
