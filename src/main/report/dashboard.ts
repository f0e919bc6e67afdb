// The dashboard: every group with its servers' summaries, the open events, baselines expiring within
// two weeks, and the servers never scanned, stale (watched for over a week without a comparison in
// it) or not compared.
import type { HandlerTable } from '../api/dispatch.js';
import { listBaselines } from '../baseline/baselines.js';
import * as inventory from '../inventory/inventory.js';
import { hasCompletedScan, lastComparison } from '../scan/scans.js';
import { serverSummary } from '../scan/server-summary.js';
import { now, type Db } from '../store/db.js';

export function dashboardHandlers(db: Db): Pick<HandlerTable, 'dashboard/summary'> {
  return {
    'dashboard/summary': () => {
      const stored = inventory.listServers(db);
      const servers = stored.map((s) => serverSummary(db, s));
      const never = new Set(stored.filter((s) => !hasCompletedScan(db, s.id)));
      const groups = [...inventory.listGroups(db), { name: inventory.UNASSIGNED, policies: [] }].map((g) => ({
        ...g,
        servers: servers.filter((s) => (s.group ?? inventory.UNASSIGNED) === g.name),
      }));
      const at = now();
      const weekAgo = new Date(Date.now() - 7 * 86400_000).toISOString();
      const inTwoWeeks = new Date(Date.now() + 14 * 86400_000).toISOString();
      return {
        groups: groups.filter((g) => g.name !== inventory.UNASSIGNED || g.servers.length > 0),
        openEvents: servers.reduce((o, s) => ({ critical: o.critical + s.openEvents.critical, nonCritical: o.nonCritical + s.openEvents.nonCritical }), { critical: 0, nonCritical: 0 }),
        expiringBaselines: listBaselines(db, at).filter((b) => b.status !== 'superseded' && b.expiresAt !== null && b.expiresAt <= inTwoWeeks),
        neverScanned: [...never].map((s) => s.name),
        // Stale: watched for more than a week without a comparison in it; a server added minutes ago is not.
        staleServers: stored
          .filter((s) => !never.has(s) && (lastComparison(db, s.id) ?? '') < weekAgo && (inventory.monitoringSince(db, s.id) ?? '9999') <= weekAgo)
          .map((s) => s.name),
        notCompared: servers.filter((s) => s.lastScan?.status === 'not_compared').map((s) => s.name),
      };
    },
  };
}
