// Which target covers an entry. Targets may overlap: the most specific one (the longest path that
// contains the entry) decides whether the entry is covered at all, and its flags and compare mode.
// Within that target: depth counts path components below the target; an exclude pattern prunes
// the entry it matches and everything below it; include patterns, when given, select which
// entries (other than the target itself) are recorded — exclude wins over include.
// A pattern without `/` matches an entry's name; with `/`, its path relative to the target.
import type { Target } from '../../shared/domain.js';
import { byteStringFromText } from '../../shared/path-escape.js';
import { globMatch } from './glob.js';

export interface CompiledTarget<T extends Target = Target> {
  target: T;
  root: string; // byte string
  include: Pattern[];
  exclude: Pattern[];
}

interface Pattern {
  glob: string; // byte string
  onPath: boolean;
}

export function compileTarget<T extends Target>(target: T): CompiledTarget<T> {
  const compile = (p: string): Pattern => {
    const onPath = p.includes('/');
    return { glob: byteStringFromText(onPath ? p.replace(/^\/+/, '') : p), onPath };
  };
  return { target, root: byteStringFromText(target.path), include: target.include.map(compile), exclude: target.exclude.map(compile) };
}

export function isUnder(path: string, root: string): boolean {
  return path === root || (root === '/' ? path.startsWith('/') : path.startsWith(root + '/'));
}

/** The most specific target whose path contains `path`, whether or not it selects the entry. */
export function mostSpecific<T extends Target>(targets: CompiledTarget<T>[], path: string): CompiledTarget<T> | null {
  let best: CompiledTarget<T> | null = null;
  for (const t of targets) if (isUnder(path, t.root) && (!best || t.root.length > best.root.length)) best = t;
  return best;
}

export function selects(t: CompiledTarget, path: string): boolean {
  if (path === t.root) return !matchesAny(t.exclude, t.root, path);
  const rel = t.root === '/' ? path.slice(1) : path.slice(t.root.length + 1);
  const parts = rel.split('/');
  if (t.target.depth !== null && parts.length > t.target.depth) return false;
  if (matchesAny(t.exclude, t.root, t.root)) return false;
  let prefix = t.root === '/' ? '' : t.root;
  for (const part of parts) {
    prefix += '/' + part;
    if (matchesAny(t.exclude, t.root, prefix)) return false;
  }
  return t.include.length === 0 || matchesAny(t.include, t.root, path);
}

export function covering<T extends Target>(targets: CompiledTarget<T>[], path: string): CompiledTarget<T> | null {
  const t = mostSpecific(targets, path);
  return t && selects(t, path) ? t : null;
}

function matchesAny(patterns: Pattern[], root: string, path: string): boolean {
  for (const p of patterns) {
    if (p.onPath) {
      const rel = path === root ? '' : root === '/' ? path.slice(1) : path.slice(root.length + 1);
      if (globMatch(p.glob, rel)) return true;
    } else if (globMatch(p.glob, path.slice(path.lastIndexOf('/') + 1))) return true;
  }
  return false;
}
