// What a host can check: its pre-flight facts as stored (the tools it has, which attributes they
// let a scan check, and the warnings for those it cannot), and the warnings a scan gives for the
// attributes its policies compare that the host cannot check.
import type { AttributeName } from '../../shared/attributes.js';
import type { ServerPreflight } from '../../shared/domain.js';
import { comparedAttributes } from '../compare/compare.js';
import type { StoredPolicy } from '../policy/policies.js';
import { now, type Db } from '../store/db.js';
import type { Collected } from './collect.js';
import type { Facts } from './run-scanner.js';
import { checkableBy, toolCheckWarnings } from '../scanner/scan-options.js';

export function preflightOf(facts: Facts, at: string): ServerPreflight {
  const { checked, notChecked } = checkableBy(facts);
  const login = facts['login-output'];
  return { at, facts, checked, notChecked, warnings: [...toolCheckWarnings(facts), ...(login ? [login] : [])] };
}

export function storePreflight(db: Db, serverId: number, facts: Facts, at = now()): ServerPreflight {
  db.prepare('INSERT OR REPLACE INTO server_preflight (server_id, at, facts_json) VALUES (?, ?, ?)').run(serverId, at, JSON.stringify(facts));
  return preflightOf(facts, at);
}

export function getPreflight(db: Db, serverId: number): ServerPreflight | null {
  const r = db.prepare('SELECT at, facts_json FROM server_preflight WHERE server_id = ?').get(serverId) as { at: string; facts_json: string } | undefined;
  return r ? preflightOf(JSON.parse(r.facts_json) as Facts, r.at) : null;
}

/** "acl, caps not checked on this host (it lacks getfattr or getfacl, ...)" for what the policies compare. */
export function notCheckedWarnings(collected: Collected, policies: StoredPolicy[]): string[] {
  const { notChecked } = checkableBy(collected.facts);
  const compared = new Set<AttributeName>(policies.flatMap((p) => p.targets.flatMap((t) => comparedAttributes(t))));
  const missing = notChecked.filter((n) => compared.has(n.name));
  if (!missing.length) return [];
  return [`not checked on this host: ${missing.map((m) => `${m.name} (needs ${m.tool})`).join(', ')}`];
}
