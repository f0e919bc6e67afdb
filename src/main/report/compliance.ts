// What the compliance report says, for a period and a group (or every group): which servers were
// compared at least weekly (PCI DSS 11.5.2), the critical files covered, the events and who
// accepted them, the servers not compared in the last 7 days, the age and expiry of baselines, and
// every change of a pinned host key.
import { ApiError } from '../../shared/api.js';
import type { FimEvent, TrustChange } from '../../shared/domain.js';
import { listBaselines } from '../baseline/baselines.js';
import { listEvents } from '../events/events.js';
import { getGroup, listGroups, listServers, trustHistory, UNASSIGNED } from '../inventory/inventory.js';
import { listPolicies } from '../policy/policies.js';
import type { Db } from '../store/db.js';

const DAY = 86_400_000;
export const DEFAULT_PERIOD_DAYS = 30;

export interface ServerCompliance {
  name: string;
  group: string;
  /** Completed comparisons (scans) in the period, oldest first. */
  comparisons: string[];
  lastCompared: string | null;
  /** The longest stretch of the period without a comparison, in days. */
  maxGapDays: number;
  weekly: boolean;
}

export interface CriticalTarget {
  policy: string;
  path: string;
  compare: string;
  alert: boolean;
  reference: string;
  recursive: boolean;
}

export interface BaselineAge {
  id: number;
  policy: string;
  server: string;
  createdAt: string;
  ageDays: number;
  expiresAt: string | null;
  expired: boolean;
  /** Days until expiry (negative when expired), null when it never expires. */
  daysLeft: number | null;
}

export interface ComplianceData {
  generatedAt: string;
  group: string | null;
  since: string;
  until: string;
  servers: ServerCompliance[];
  critical: CriticalTarget[];
  events: FimEvent[];
  /** Servers with no completed comparison in the 7 days before the end of the period. */
  stale: { name: string; group: string; lastCompared: string | null }[];
  baselines: BaselineAge[];
  /** Changes of the servers' pinned host keys in the period (who, when, old, new, how). */
  trustChanges: (TrustChange & { server: string })[];
}

function time(v: string | undefined, what: string): number | undefined {
  if (v === undefined || v === '') return undefined;
  const t = Date.parse(v);
  if (Number.isNaN(t)) throw new ApiError('invalid_input', `${what} takes a date or time (ISO 8601), got ${JSON.stringify(v)}`);
  return t;
}

export function complianceData(db: Db, args: { group?: string; since?: string; until?: string }, at: Date = new Date()): ComplianceData {
  const untilMs = time(args.until, 'until') ?? at.getTime();
  const sinceMs = time(args.since, 'since') ?? untilMs - DEFAULT_PERIOD_DAYS * DAY;
  if (sinceMs >= untilMs) throw new ApiError('invalid_input', 'the period must start before it ends');
  const since = new Date(sinceMs).toISOString();
  const until = new Date(untilMs).toISOString();
  const group = args.group ?? null;
  if (group !== null && group !== UNASSIGNED) getGroup(db, group);
  const servers = listServers(db).filter((s) => group === null || (s.group ?? UNASSIGNED) === group);
  const policyNames = new Set(group === null ? listGroups(db).flatMap((g) => g.policies) : group === UNASSIGNED ? [] : getGroup(db, group).policies);

  const comparisonsOf = db.prepare(
    "SELECT finished_at FROM scans WHERE server_id = ? AND kind = 'scan' AND status IN ('completed_clean', 'completed_with_findings') AND finished_at >= ? AND finished_at <= ? ORDER BY finished_at",
  );
  const lastOf = db.prepare(
    "SELECT MAX(finished_at) AS at FROM scans WHERE server_id = ? AND kind = 'scan' AND status IN ('completed_clean', 'completed_with_findings') AND finished_at <= ?",
  );
  const rows: ServerCompliance[] = servers.map((s) => {
    const comparisons = (comparisonsOf.all(s.id, since, until) as { finished_at: string }[]).map((r) => r.finished_at);
    const points = [sinceMs, ...comparisons.map((c) => Date.parse(c)), untilMs];
    let gap = 0;
    for (let i = 1; i < points.length; i++) gap = Math.max(gap, points[i]! - points[i - 1]!);
    const maxGapDays = Math.round((gap / DAY) * 10) / 10;
    return {
      name: s.name,
      group: s.group ?? UNASSIGNED,
      comparisons,
      lastCompared: (lastOf.get(s.id, until) as { at: string | null }).at,
      maxGapDays,
      weekly: comparisons.length > 0 && gap <= 7 * DAY,
    };
  });

  const critical: CriticalTarget[] = listPolicies(db)
    .filter((p) => policyNames.has(p.name))
    .flatMap((p) =>
      p.targets.filter((t) => t.critical).map((t) => ({ policy: p.name, path: t.path, compare: t.compare, alert: t.alert, reference: t.reference ?? '', recursive: t.depth === null })),
    );

  const events = listEvents(db, { status: 'all', since, until, ...(group !== null ? { group: [group] } : {}) }).events;
  const weekBefore = new Date(untilMs - 7 * DAY).toISOString();
  const stale = rows.filter((r) => r.lastCompared === null || r.lastCompared < weekBefore).map((r) => ({ name: r.name, group: r.group, lastCompared: r.lastCompared }));
  const baselines: BaselineAge[] = listBaselines(db, until)
    .filter((b) => policyNames.has(b.policy))
    .map((b) => ({
      id: b.id,
      policy: b.policy,
      server: b.server,
      createdAt: b.createdAt,
      ageDays: Math.floor((untilMs - Date.parse(b.createdAt)) / DAY),
      expiresAt: b.expiresAt,
      expired: b.expired,
      daysLeft: b.expiresAt === null ? null : Math.floor((Date.parse(b.expiresAt) - untilMs) / DAY),
    }));
  const trustChanges = servers.flatMap((s) => trustHistory(db, s.id).filter((t) => t.at >= since && t.at <= until).map((t) => ({ server: s.name, ...t })));
  trustChanges.sort((a, b) => a.at.localeCompare(b.at));
  return { generatedAt: at.toISOString(), group, since, until, servers: rows, critical, events, stale, baselines, trustChanges };
}
