// Removing a policy, a target, a group or a server keeps the history honest: the open events that
// go with it are closed as `retired` with the reason (they stay queryable and in reports), and the
// caller is told how many, and how many baselines go too. A preview runs the very same removal in
// a transaction that is rolled back, so what the confirmation says is what the removal does.
import { ApiError, type RemovalImpact } from '../../shared/api.js';
import { detachServerEvents, openEventPaths, retireEvents, retireUnmonitored } from '../events/events.js';
import { compileTarget, mostSpecific } from '../policy/coverage.js';
import { getPolicy } from '../policy/policies.js';
import { now, type Db } from '../store/db.js';
import { getGroupId, getServer, UNASSIGNED } from './inventory.js';

const ROLLBACK = Symbol('preview');

function measured(db: Db, what: string, preview: boolean, remove: (at: string) => void): RemovalImpact {
  const count = () => ({
    baselines: (db.prepare('SELECT COUNT(*) AS n FROM baselines').get() as { n: number }).n,
    open: (db.prepare("SELECT COUNT(*) AS n FROM events WHERE status = 'open'").get() as { n: number }).n,
  });
  let impact: RemovalImpact | null = null;
  try {
    db.transaction(() => {
      const before = count();
      remove(now());
      const after = count();
      const baselines = before.baselines - after.baselines;
      const openEvents = before.open - after.open;
      const goes = `${baselines} baseline${baselines === 1 ? '' : 's'} and ${openEvents} open event${openEvents === 1 ? '' : 's'}`;
      impact = {
        what,
        baselines,
        openEvents,
        message: preview
          ? `Removing ${what} takes ${goes} with it (the events are closed as retired and stay in the history and reports).`
          : `removed ${what}: ${baselines} baseline${baselines === 1 ? '' : 's'} removed, ${openEvents} open event${openEvents === 1 ? '' : 's'} retired (kept in the history)`,
      };
      if (preview) throw ROLLBACK;
    })();
  } catch (err) {
    if (err !== ROLLBACK) throw err;
  }
  return impact!;
}

export function removePolicy(db: Db, name: string, preview = false): RemovalImpact {
  const p = getPolicy(db, name);
  return measured(db, `policy '${p.name}'`, preview, (at) => {
    retireEvents(db, 'policy_id = ?', [p.id], `policy '${p.name}' was removed`, at);
    db.prepare('DELETE FROM policies WHERE id = ?').run(p.id);
  });
}

/** The open events a target decided (the most specific target of their path) are retired with it. */
export function removeTarget(db: Db, policyName: string, path: string, preview = false): RemovalImpact {
  const p = getPolicy(db, policyName);
  const compiled = p.targets.map(compileTarget);
  const removed = compiled.find((t) => t.target.path === path);
  if (!removed) throw new ApiError('not_found', `policy '${p.name}' has no target ${path}`);
  return measured(db, `target ${path} of policy '${p.name}'`, preview, (at) => {
    db.prepare('DELETE FROM targets WHERE policy_id = ? AND path = ?').run(p.id, path);
    const ids = openEventPaths(db, p.id).filter((e) => mostSpecific(compiled, e.path) === removed).map((e) => e.id);
    for (const id of ids) retireEvents(db, 'id = ?', [id], `target ${path} was removed from policy '${p.name}'`, at);
  });
}

export function removeGroup(db: Db, name: string, preview = false): RemovalImpact {
  const id = getGroupId(db, name);
  return measured(db, `group '${name}'`, preview, (at) => {
    db.prepare('DELETE FROM groups WHERE id = ?').run(id);
    retireUnmonitored(db, `group '${name}' was removed (its servers are now ${UNASSIGNED})`, at);
  });
}

export function removeServer(db: Db, name: string, preview = false): RemovalImpact {
  const s = getServer(db, name);
  const hops = db.prepare('SELECT name FROM servers WHERE jump_id = ?').all(s.id) as { name: string }[];
  if (hops.length) throw new ApiError('conflict', `server '${name}' is the jump host of ${hops.map((h) => h.name).join(', ')}`);
  return measured(db, `server '${s.name}'`, preview, (at) => {
    detachServerEvents(db, s.id, s.name, s.group, `server '${s.name}' was removed`, at);
    db.prepare('DELETE FROM servers WHERE id = ?').run(s.id);
  });
}
