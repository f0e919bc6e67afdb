// What the compliance report says, for a period and a group (or every group): which servers were
// compared at least weekly (PCI DSS 11.5.2) since their monitoring began, the scans that compared
// nothing for some policy, the critical files covered, the events and who accepted them, the
// servers not compared in the last 7 days, the age, expiry and replacement of baselines, and
// every change of a pinned host key.
import { ApiError } from '../../shared/api.js';
import { parseTime, TIME_FORMS } from '../../shared/event-filter.js';
import type { BaselineInfo, FimEvent, TrustChange } from '../../shared/domain.js';
import { listBaselines } from '../baseline/baselines.js';
import { listEvents } from '../events/event-list.js';
import { getGroup, listGroups, listServers, monitoringSince, trustHistory, UNASSIGNED } from '../inventory/inventory.js';
import { comparisonsIn, lastComparison, notComparedIn } from '../scan/scans.js';
import { listPolicies } from '../policy/policies.js';
import type { Db } from '../store/db.js';

const DAY = 86_400_000;
export const DEFAULT_PERIOD_DAYS = 30;

/**
 * yes / no: compared at least weekly from when counting began; 'not due': counted for 7 days or
 * less and not compared yet; 'not monitored': no policy applies, or monitoring began after the period.
 */
export type WeeklyVerdict = 'yes' | 'no' | 'not due' | 'not monitored';

export interface ServerCompliance {
  name: string;
  group: string;
  /** When monitoring of the server began (inventory/inventory.ts monitoringSince); null while no policy applies. */
  monitoringSince: string | null;
  /** Where the weekly check starts: the later of the period's start and monitoringSince (null: not monitored in the period). */
  countedFrom: string | null;
  /** Completed comparisons (scans that compared every policy) from countedFrom to the end, oldest first. */
  comparisons: string[];
  lastCompared: string | null;
  /** Scans in the period that did not compare every policy (status not_compared): not comparisons. */
  notCompared: { at: string; reason: string }[];
  /** The longest stretch from countedFrom to the end without a comparison, in days. */
  maxGapDays: number;
  weekly: WeeklyVerdict;
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
  status: BaselineInfo['status'];
  supersededAt: string | null;
  supersededBy: number | null;
}

export interface ComplianceData {
  generatedAt: string;
  group: string | null;
  since: string;
  until: string;
  servers: ServerCompliance[];
  critical: CriticalTarget[];
  events: FimEvent[];
  /** Servers monitored for more than 7 days with no completed comparison in the 7 days before the end of the period. */
  stale: { name: string; group: string; lastCompared: string | null }[];
  baselines: BaselineAge[];
  /** Changes of the servers' pinned host keys in the period (who, when, old, new, how). */
  trustChanges: (TrustChange & { server: string })[];
}

function time(v: string | undefined, what: string): number | undefined {
  if (v === undefined || v === '') return undefined;
  const iso = parseTime(v);
  if (iso === null) throw new ApiError('invalid_input', `${what} takes ${TIME_FORMS}, got ${JSON.stringify(v)}`);
  return Date.parse(iso);
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

  const rows: ServerCompliance[] = servers.map((s) => {
    // Counted from when monitoring began, never from before the server (or its policy) existed.
    const began = monitoringSince(db, s.id);
    const fromMs = began === null ? null : Math.max(sinceMs, Date.parse(began));
    const countedFrom = fromMs === null || fromMs > untilMs ? null : new Date(fromMs).toISOString();
    const comparisons = countedFrom === null ? [] : comparisonsIn(db, s.id, countedFrom, until);
    const points = countedFrom === null ? [] : [fromMs!, ...comparisons.map((c) => Date.parse(c)), untilMs];
    let gap = 0;
    for (let i = 1; i < points.length; i++) gap = Math.max(gap, points[i]! - points[i - 1]!);
    const weekly: WeeklyVerdict = countedFrom === null ? 'not monitored' : comparisons.length && gap <= 7 * DAY ? 'yes' : !comparisons.length && gap <= 7 * DAY ? 'not due' : 'no';
    return {
      name: s.name,
      group: s.group ?? UNASSIGNED,
      monitoringSince: began,
      countedFrom,
      comparisons,
      lastCompared: lastComparison(db, s.id, until),
      notCompared: notComparedIn(db, s.id, since, until).map((r) => ({ at: r.finished_at, reason: r.reason ?? '' })),
      maxGapDays: Math.round((gap / DAY) * 10) / 10,
      weekly,
    };
  });

  const critical: CriticalTarget[] = listPolicies(db)
    .filter((p) => policyNames.has(p.name))
    .flatMap((p) =>
      p.targets.filter((t) => t.critical).map((t) => ({ policy: p.name, path: t.path, compare: t.compare, alert: t.alert, reference: t.reference ?? '', recursive: t.depth === null })),
    );

  const events = listEvents(db, { status: 'all', since, until, ...(group !== null ? { group: [group] } : {}) }).events;
  const weekBefore = new Date(untilMs - 7 * DAY).toISOString();
  const stale = rows
    .filter((r) => r.countedFrom !== null && r.countedFrom <= weekBefore && (r.lastCompared === null || r.lastCompared < weekBefore))
    .map((r) => ({ name: r.name, group: r.group, lastCompared: r.lastCompared }));
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
      status: b.status,
      supersededAt: b.supersededAt,
      supersededBy: b.supersededBy,
    }));
  const trustChanges = servers.flatMap((s) => trustHistory(db, s.id).filter((t) => t.at >= since && t.at <= until).map((t) => ({ server: s.name, ...t })));
  trustChanges.sort((a, b) => a.at.localeCompare(b.at));
  return { generatedAt: at.toISOString(), group, since, until, servers: rows, critical, events, stale, baselines, trustChanges };
}
