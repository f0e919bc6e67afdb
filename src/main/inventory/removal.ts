// Removing a policy, a target, a group or a server keeps the history honest: the open events that
// go with it are closed as `retired` with the reason (they stay queryable and in reports), and the
// caller is told how many, and how many baselines go too. A preview runs the very same removal in
// a transaction that is rolled back, so what the confirmation says is what the removal does.
import { ApiError, type RemovalImpact } from '../../shared/api.js';
import type { Target } from '../../shared/domain.js';
import { countBaselines } from '../baseline/baselines.js';
import { countOpen, detachServerEvents, openEventPaths, retireEvents, retireUnmonitored } from '../events/events.js';
import { compileTarget, mostSpecific } from '../model/coverage.js';
import { deletePolicy, deleteTarget, getPolicy } from '../policy/policies.js';
import { now, type Db } from '../store/db.js';
import { deleteGroup, deleteServer, getGroupId, getServer, jumpClients, UNASSIGNED } from './inventory.js';

const ROLLBACK = Symbol('preview');

function measured(db: Db, what: string, preview: boolean, remove: (at: string) => void): RemovalImpact {
  const count = () => ({
    baselines: countBaselines(db),
    open: countOpen(db),
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
    deletePolicy(db, p.id);
  });
}

/** The open events a target decided (the most specific target of their path) are retired with it. */
export function removeTarget(db: Db, policyName: string, path: string, preview = false): RemovalImpact {
  const p = getPolicy(db, policyName);
  if (!p.targets.some((t) => t.path === path)) throw new ApiError('not_found', `policy '${p.name}' has no target ${path}`);
  return measured(db, `target ${path} of policy '${p.name}'`, preview, (at) => {
    deleteTarget(db, p.id, path);
    retireGoneTargets(db, p.name, p.targets, at);
  });
}

/**
 * After a policy's targets changed (a target removed, moved to another path, or all replaced by an
 * import): the open events decided by a target that is gone are retired, not left to look
 * "resolved" at the next scan.
 */
export function retireGoneTargets(db: Db, policyName: string, before: readonly Target[], at: string): void {
  const p = getPolicy(db, policyName);
  const still = new Set(p.targets.map((t) => t.path));
  const compiled = before.map(compileTarget);
  for (const e of openEventPaths(db, p.id)) {
    const decided = mostSpecific(compiled, e.path);
    if (decided && !still.has(decided.target.path)) retireEvents(db, 'id = ?', [e.id], `target ${decided.target.path} was removed from policy '${p.name}'`, at);
  }
}

export function removeGroup(db: Db, name: string, preview = false): RemovalImpact {
  const id = getGroupId(db, name);
  return measured(db, `group '${name}'`, preview, (at) => {
    deleteGroup(db, id);
    retireUnmonitored(db, `group '${name}' was removed (its servers are now ${UNASSIGNED})`, at);
  });
}

export function removeServer(db: Db, name: string, preview = false): RemovalImpact {
  const s = getServer(db, name);
  const hops = jumpClients(db, s.id);
  if (hops.length) throw new ApiError('conflict', `server '${name}' is the jump host of ${hops.join(', ')}`);
  return measured(db, `server '${s.name}'`, preview, (at) => {
    detachServerEvents(db, s.id, s.name, s.group, `server '${s.name}' was removed`, at);
    deleteServer(db, s.id);
  });
}
