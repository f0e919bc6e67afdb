// Policies and their targets in the store, with validation, and the JSON export format.
import { ApiError, type PolicyDocument } from '../../shared/api.js';
import { ALL_ATTRIBUTES, type AttributeName } from '../../shared/attributes.js';
import type { Policy, ServerOs, Target } from '../../shared/domain.js';
import { now, type Db } from '../store/db.js';
import { MAX_CONTENT_LIMIT } from '../scanner/scan-options.js';
import { catastrophicBacktracking } from './regex-safety.js';

/** The deepest a target may reach: a path of PATH_MAX (4096) bytes holds at most 2,048 components. */
export const MAX_TARGET_DEPTH = 2048;
/** Include and exclude patterns of one target together: how many, and their bytes (docs/security.md). */
export const MAX_TARGET_PATTERNS = 1000;
export const MAX_TARGET_PATTERN_BYTES = 32 * 1024;

export interface StoredPolicy extends Policy {
  id: number;
}

interface PolicyRow {
  id: number;
  name: string;
  os: ServerOs;
  description: string;
}

interface TargetRow {
  path: string;
  depth: number | null;
  include_json: string;
  exclude_json: string;
  critical: number;
  alert: number;
  compare: 'master' | 'self';
  ignore_json: string;
  cross_mounts: number;
  reference: string;
  content_limit: number | null;
  content_secrets_json: string | null;
}

export function listPolicies(db: Db): StoredPolicy[] {
  const rows = db.prepare('SELECT id, name, os, description FROM policies ORDER BY name').all() as PolicyRow[];
  return rows.map((r) => withTargets(db, r));
}

export function getPolicy(db: Db, name: string): StoredPolicy {
  const row = db.prepare('SELECT id, name, os, description FROM policies WHERE name = ?').get(name) as PolicyRow | undefined;
  if (!row) throw new ApiError('not_found', `no policy named '${name}'`);
  return withTargets(db, row);
}

export function getPolicyById(db: Db, id: number): StoredPolicy {
  const row = db.prepare('SELECT id, name, os, description FROM policies WHERE id = ?').get(id) as PolicyRow | undefined;
  if (!row) throw new ApiError('not_found', `no policy with id ${id}`);
  return withTargets(db, row);
}

function withTargets(db: Db, row: PolicyRow): StoredPolicy {
  const targets = (db.prepare('SELECT * FROM targets WHERE policy_id = ? ORDER BY path').all(row.id) as TargetRow[]).map(targetFromRow);
  return { id: row.id, name: row.name, os: row.os, description: row.description, targets };
}

function targetFromRow(r: TargetRow): Target {
  return {
    path: r.path,
    depth: r.depth,
    include: JSON.parse(r.include_json) as string[],
    exclude: JSON.parse(r.exclude_json) as string[],
    critical: r.critical === 1,
    alert: r.alert === 1,
    compare: r.compare,
    ignore: JSON.parse(r.ignore_json) as AttributeName[],
    crossMounts: r.cross_mounts === 1,
    ...(r.reference ? { reference: r.reference } : {}),
    ...(r.content_limit ? { content: r.content_limit } : {}),
    ...(r.content_limit && r.content_secrets_json ? { contentSecrets: JSON.parse(r.content_secrets_json) as string[] } : {}),
  };
}

export function addPolicy(db: Db, input: { name: string; os?: ServerOs; description?: string }): StoredPolicy {
  const name = validName(input.name, 'policy');
  const os = validOs(input.os ?? 'linux');
  if (db.prepare('SELECT 1 FROM policies WHERE name = ?').get(name)) throw new ApiError('conflict', `a policy named '${name}' exists already`);
  db.prepare('INSERT INTO policies (name, os, description, created_at) VALUES (?, ?, ?, ?)').run(name, os, input.description ?? '', now());
  return getPolicy(db, name);
}

export function updatePolicy(db: Db, name: string, patch: { description?: string; os?: ServerOs }): StoredPolicy {
  const p = getPolicy(db, name);
  db.prepare('UPDATE policies SET description = ?, os = ? WHERE id = ?').run(patch.description ?? p.description, validOs(patch.os ?? p.os), p.id);
  return getPolicy(db, name);
}

/** A complete, validated target from partial input; throws a clear error for anything malformed. */
export function validTarget(input: Partial<Target> & { path: unknown }, where = 'target', os: ServerOs = 'linux'): Target {
  // Windows policies also take drive paths (C:\\...) and registry keys (HKLM\\...); the Windows
  // scanner arrives with its own issue, until then such targets are data only.
  const windowsPath = os === 'windows' && typeof input.path === 'string' && WINDOWS_PATH.test(input.path);
  if (typeof input.path !== 'string' || (!input.path.startsWith('/') && !windowsPath)) {
    throw new ApiError('invalid_input', `${where}: path must be an absolute path, got ${JSON.stringify(input.path)}`);
  }
  if (input.path.includes('\0')) throw new ApiError('invalid_input', `${where}: path contains a NUL byte`);
  const path = windowsPath ? input.path.replace(/(?<=[^:\\/])[\\/]+$/, '') : input.path.length > 1 ? input.path.replace(/\/+$/, '') : input.path;
  // The scanner reports entries under a path exactly as given, and nesting is decided on the text:
  // `/a//b` or `/a/../b` would never match what the scanner prints for an overlapping target.
  if (!windowsPath && (path === '' || (path !== '/' && path.slice(1).split('/').some((c) => c === '' || c === '.' || c === '..')))) {
    throw new ApiError('invalid_input', `${where}: path must be a normalized absolute path (no empty, . or .. components), got ${JSON.stringify(input.path)}`);
  }
  if (input.reference !== undefined && (typeof input.reference !== 'string' || input.reference.length > 500 || /[\0-\x1f]/.test(input.reference))) {
    throw new ApiError('invalid_input', `${where} ${path}: reference must be one line of text (500 characters at most)`);
  }
  const depth = input.depth ?? null;
  if (depth !== null && (!Number.isInteger(depth) || depth < 0 || depth > MAX_TARGET_DEPTH)) {
    throw new ApiError('invalid_input', `${where} ${path}: depth must be a whole number of 0 or more and at most ${MAX_TARGET_DEPTH} (none: no limit)`);
  }
  const patterns = (list: unknown, what: string): string[] => {
    if (list === undefined) return [];
    if (!Array.isArray(list) || list.some((p) => typeof p !== 'string' || p === '' || p.includes('\0'))) {
      throw new ApiError('invalid_input', `${where} ${path}: ${what} must be a list of non-empty glob patterns`);
    }
    return list as string[];
  };
  // The patterns go to the scanner as arguments of one command line (docs/security.md, Limits).
  const patternList = [...patterns(input.include, 'include'), ...patterns(input.exclude, 'exclude')];
  if (patternList.length > MAX_TARGET_PATTERNS) {
    throw new ApiError('invalid_input', `${where} ${path}: include and exclude: at most ${MAX_TARGET_PATTERNS} patterns per target, got ${patternList.length}`);
  }
  if (patternList.reduce((n, p) => n + Buffer.byteLength(p) + 1, 0) > MAX_TARGET_PATTERN_BYTES) {
    throw new ApiError('invalid_input', `${where} ${path}: include and exclude: at most ${MAX_TARGET_PATTERN_BYTES} bytes of patterns per target`);
  }
  const compare = input.compare ?? 'master';
  if (compare !== 'master' && compare !== 'self') throw new ApiError('invalid_input', `${where} ${path}: compare must be master or self`);
  const ignore = input.ignore ?? [];
  if (!Array.isArray(ignore)) throw new ApiError('invalid_input', `${where} ${path}: ignore must be a list of attribute names`);
  for (const a of ignore) {
    if (!ALL_ATTRIBUTES.includes(a)) {
      throw new ApiError('invalid_input', `${where} ${path}: unknown attribute '${String(a)}' (known: ${ALL_ATTRIBUTES.join(', ')})`);
    }
  }
  // Content of small files: never by default; a size limit in bytes, and optional secret patterns.
  if (input.content !== undefined && input.content !== null && (!Number.isInteger(input.content) || input.content < 1 || input.content > MAX_CONTENT_LIMIT)) {
    throw new ApiError('invalid_input', `${where} ${path}: content must be a size limit in bytes from 1 to ${MAX_CONTENT_LIMIT}`);
  }
  if (input.contentSecrets !== undefined) {
    if (!Array.isArray(input.contentSecrets) || input.contentSecrets.some((p) => typeof p !== 'string' || p === '')) {
      throw new ApiError('invalid_input', `${where} ${path}: contentSecrets must be a list of regular expressions`);
    }
    for (const p of input.contentSecrets) {
      try {
        new RegExp(p, 'i');
      } catch {
        throw new ApiError('invalid_input', `${where} ${path}: content secret pattern ${JSON.stringify(p)} is not a valid regular expression`);
      }
      const unsafe = catastrophicBacktracking(p);
      if (unsafe) {
        throw new ApiError('invalid_input', `${where} ${path}: contentSecrets: pattern ${JSON.stringify(p)} could backtrack without end (${unsafe}); a repeated group may hold no repetition or alternative (docs/security.md)`);
      }
    }
    if (!input.content) throw new ApiError('invalid_input', `${where} ${path}: contentSecrets needs content (a size limit)`);
  }
  for (const flag of ['critical', 'alert', 'crossMounts'] as const) {
    if (input[flag] !== undefined && typeof input[flag] !== 'boolean') throw new ApiError('invalid_input', `${where} ${path}: ${flag} must be true or false`);
  }
  return {
    path,
    depth,
    include: patterns(input.include, 'include'),
    exclude: patterns(input.exclude, 'exclude'),
    critical: input.critical ?? false,
    alert: input.alert ?? false,
    compare,
    ignore,
    crossMounts: input.crossMounts ?? false,
    ...(input.reference ? { reference: input.reference } : {}),
    ...(input.content ? { content: input.content } : {}),
    ...(input.content && input.contentSecrets ? { contentSecrets: input.contentSecrets } : {}),
  };
}

/** A Windows drive path (C:\\ or C:/) or a registry key (HKLM\\..., HKEY_LOCAL_MACHINE\\...). */
const WINDOWS_PATH = /^(?:[A-Za-z]:[\\/]|(?:HKLM|HKCU|HKCR|HKU|HKCC|HKEY_[A-Z_]+)\\)/;

export function addTarget(db: Db, policyName: string, input: Partial<Target> & { path: string }): StoredPolicy {
  const p = getPolicy(db, policyName);
  const t = validTarget(input, 'target', p.os);
  if (p.targets.some((x) => x.path === t.path)) throw new ApiError('conflict', `policy '${p.name}' has a target ${t.path} already`);
  insertTarget(db, p.id, t);
  return getPolicy(db, policyName);
}

export function updateTarget(db: Db, policyName: string, path: string, patch: Partial<Target>): StoredPolicy {
  const p = getPolicy(db, policyName);
  const old = p.targets.find((x) => x.path === path);
  if (!old) throw new ApiError('not_found', `policy '${p.name}' has no target ${path}`);
  const t = validTarget({ ...old, ...patch, path: patch.path ?? old.path }, 'target', p.os);
  db.transaction(() => {
    deleteTarget(db, p.id, path);
    insertTarget(db, p.id, t);
  })();
  return getPolicy(db, policyName);
}

export function deleteTarget(db: Db, policyId: number, path: string): void {
  db.prepare('DELETE FROM targets WHERE policy_id = ? AND path = ?').run(policyId, path);
}

/** Deletes the policy row (its targets, baselines and assignments go with it: ON DELETE CASCADE). */
export function deletePolicy(db: Db, id: number): void {
  db.prepare('DELETE FROM policies WHERE id = ?').run(id);
}

function insertTarget(db: Db, policyId: number, t: Target): void {
  db.prepare(
    `INSERT INTO targets (policy_id, path, depth, include_json, exclude_json, critical, alert, compare, ignore_json, cross_mounts, reference,
       content_limit, content_secrets_json)
     VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
  ).run(
    policyId, t.path, t.depth, JSON.stringify(t.include), JSON.stringify(t.exclude), +t.critical, +t.alert, t.compare, JSON.stringify(t.ignore), +t.crossMounts, t.reference ?? '',
    t.content ?? null, t.contentSecrets ? JSON.stringify(t.contentSecrets) : null,
  );
}

export function exportPolicy(db: Db, name: string): PolicyDocument {
  const p = getPolicy(db, name);
  return { driftwatchPolicy: 1, name: p.name, os: p.os, description: p.description, targets: p.targets };
}

/** Imports a policy document; every problem is reported (never silently dropped). */
export function importPolicy(db: Db, doc: unknown, replace = false): StoredPolicy {
  const d = parsePolicyDocument(doc);
  return db.transaction(() => {
    const existing = db.prepare('SELECT id FROM policies WHERE name = ?').get(d.name) as { id: number } | undefined;
    if (existing && !replace) throw new ApiError('conflict', `a policy named '${d.name}' exists already (import with replace to overwrite it)`);
    if (existing) {
      db.prepare('UPDATE policies SET os = ?, description = ? WHERE id = ?').run(d.os, d.description, existing.id);
      db.prepare('DELETE FROM targets WHERE policy_id = ?').run(existing.id);
    } else {
      db.prepare('INSERT INTO policies (name, os, description, created_at) VALUES (?, ?, ?, ?)').run(d.name, d.os, d.description, now());
    }
    const id = (db.prepare('SELECT id FROM policies WHERE name = ?').get(d.name) as { id: number }).id;
    for (const t of d.targets) insertTarget(db, id, t);
    return getPolicy(db, d.name);
  })();
}

export function parsePolicyDocument(doc: unknown): PolicyDocument {
  if (typeof doc !== 'object' || doc === null || Array.isArray(doc)) throw new ApiError('invalid_input', 'a policy document must be a JSON object');
  const d = doc as Record<string, unknown>;
  if (d.driftwatchPolicy !== 1) throw new ApiError('invalid_input', 'not a Driftwatch policy document (expected "driftwatchPolicy": 1)');
  const known = new Set(['driftwatchPolicy', 'name', 'os', 'description', 'targets']);
  const unknown = Object.keys(d).filter((k) => !known.has(k));
  if (unknown.length) throw new ApiError('invalid_input', `unknown field(s) in policy document: ${unknown.join(', ')}`);
  const name = validName(d.name, 'policy');
  if (!Array.isArray(d.targets)) throw new ApiError('invalid_input', `policy '${name}': targets must be a list`);
  const targetKeys = new Set(['path', 'depth', 'include', 'exclude', 'critical', 'alert', 'compare', 'ignore', 'crossMounts', 'reference', 'content', 'contentSecrets']);
  const os = validOs(d.os ?? 'linux');
  const seen = new Set<string>();
  const targets = d.targets.map((t: unknown, i: number) => {
    const where = `policy '${name}' target #${i + 1}`;
    if (typeof t !== 'object' || t === null) throw new ApiError('invalid_input', `${where}: must be an object`);
    const extra = Object.keys(t).filter((k) => !targetKeys.has(k));
    if (extra.length) throw new ApiError('invalid_input', `${where}: unknown field(s) ${extra.join(', ')}`);
    const target = validTarget(t as Partial<Target> & { path: unknown }, where, os);
    if (seen.has(target.path)) throw new ApiError('invalid_input', `${where}: duplicate target ${target.path}`);
    seen.add(target.path);
    return target;
  });
  if (d.description !== undefined && typeof d.description !== 'string') throw new ApiError('invalid_input', `policy '${name}': description must be text`);
  return { driftwatchPolicy: 1, name, os, description: (d.description as string | undefined) ?? '', targets };
}

export function validName(name: unknown, what: string): string {
  if (typeof name !== 'string' || !/^[A-Za-z0-9][A-Za-z0-9 ._@:+-]{0,127}$/.test(name)) {
    throw new ApiError('invalid_input', `${what} name must be 1-128 letters, digits, spaces or . _ @ : + - (starting with a letter or digit), got ${JSON.stringify(name)}`);
  }
  return name;
}

function validOs(os: unknown): ServerOs {
  if (os !== 'linux' && os !== 'windows') throw new ApiError('invalid_input', `os must be linux or windows, got ${JSON.stringify(os)}`);
  return os;
}
