// When monitoring of a server began: what the weekly-comparison evidence and the dashboard's
// "stale" count from, so a server is never called late for a time before it was watched.
import type { Db } from '../store/db.js';

/**
 * The later of: the server was added, it joined its current group, the group's first (current)
 * policy was assigned. null while no policy applies to it (nothing is monitored). Stores older than
 * these dates count a policy from its group's creation (the earliest it can have been assigned).
 */
export function monitoringSince(db: Db, serverId: number): string | null {
  const r = db
    .prepare(
      `SELECT s.created_at, s.group_since,
        (SELECT MIN(COALESCE(gp.assigned_at, g.created_at)) FROM group_policies gp WHERE gp.group_id = s.group_id) AS policy_since
       FROM servers s LEFT JOIN groups g ON g.id = s.group_id WHERE s.id = ?`,
    )
    .get(serverId) as { created_at: string; group_since: string | null; policy_since: string | null } | undefined;
  if (!r || r.policy_since === null) return null;
  return [r.created_at, r.group_since ?? r.created_at, r.policy_since].sort().pop()!;
}
