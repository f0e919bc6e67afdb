// Which target of a policy decides the entries of each walk of a scan plan: the walks are shared
// by every policy of the scan, and more than one target of a policy may own a walk.
import type { Target } from '../../shared/domain.js';
import type { ScanPlan } from '../scanner/plan.js';

/** The target that decides each walk's entries for policy `policyIndex` (the last owner wins). */
export function walkTargets(plan: ScanPlan, policyIndex: number): (Target | undefined)[] {
  return plan.walks.map((w) => {
    let t: Target | undefined;
    for (const o of w.owners) if (o.policy === policyIndex) t = o.target;
    return t;
  });
}
