// The API handlers of policies, their targets and the policy templates. Removing a policy or a target,
// or moving a target, retires the open events nothing covers any more (inventory/removal.ts).
import type { HandlerTable } from '../api/dispatch.js';
import * as removal from '../inventory/removal.js';
import { now, type Db } from '../store/db.js';
import * as policies from './policies.js';
import { templateHandlers } from './templates.js';

type PolicyHandlers = Pick<
  HandlerTable,
  | 'policies/list' | 'policies/get' | 'policies/add' | 'policies/update' | 'policies/remove' | 'policies/addTarget' | 'policies/updateTarget'
  | 'policies/removeTarget' | 'policies/export' | 'policies/import'
> &
  ReturnType<typeof templateHandlers>;

export function policyHandlers(db: Db): PolicyHandlers {
  return {
    'policies/list': () => policies.listPolicies(db).map(withoutId),
    'policies/get': ({ name }) => withoutId(policies.getPolicy(db, name)),
    'policies/add': (input) => withoutId(policies.addPolicy(db, input)),
    'policies/update': ({ name, ...patch }) => withoutId(policies.updatePolicy(db, name, patch)),
    'policies/remove': ({ name, preview }) => removal.removePolicy(db, name, preview),
    'policies/addTarget': ({ policy, target }) => withoutId(policies.addTarget(db, policy, target)),
    'policies/updateTarget': ({ policy, path, target }) =>
      db.transaction(() => {
        const before = policies.getPolicy(db, policy).targets;
        const updated = policies.updateTarget(db, policy, path, target);
        removal.retireGoneTargets(db, policy, before, now()); // a target moved to another path
        return withoutId(updated);
      })(),
    'policies/removeTarget': ({ policy, path, preview }) => removal.removeTarget(db, policy, path, preview),
    'policies/export': ({ name }) => policies.exportPolicy(db, name),
    'policies/import': ({ document, replace }) =>
      db.transaction(() => {
        const name = policies.parsePolicyDocument(document).name;
        const before = replace ? (policies.listPolicies(db).find((p) => p.name === name)?.targets ?? []) : [];
        const imported = policies.importPolicy(db, document, replace);
        removal.retireGoneTargets(db, name, before, now()); // targets the replacing document no longer has
        return withoutId(imported);
      })(),
    ...templateHandlers(db),
  };
}

/** A stored policy as the API shows it: without the store's id. */
function withoutId(p: policies.StoredPolicy) {
  const { id: _id, ...policy } = p;
  return policy;
}
