// A reader for OpenSSH client config (~/.ssh/config), enough to import hosts: Host blocks
// (several patterns, wildcards, negation), HostName, User, Port, IdentityFile (~ and % tokens),
// ProxyJump (comma chains, user@host:port, [v6]:port, ssh:// URIs) and simple Include.
// Semantics follow ssh(1): for a given name every matching block applies in file order and the
// first value obtained for an option wins (IdentityFile accumulates). Match blocks cannot be
// evaluated here (they test the local environment), so only `Match all` applies; the others
// never match. Other keywords are ignored. test/integration/ssh/ssh-config-openssh.test.ts
// compares what it resolves with `ssh -G`.
//
// Why not the `ssh-config` package: where this reader agrees with ssh -G, the package does not.
// Its `?` matches zero or one character (`Host db?` applies to `db`); it keeps the quotes of a
// single-quoted value (`User 'ops'` is `'ops'`); it does not follow Include; and its compute()
// runs `Match exec` commands and nslookup for canonical names, which reading a file to import
// hosts must never do. The last block of that test shows each difference against ssh -G.
import { readdirSync, readFileSync } from 'node:fs';
import { homedir, userInfo } from 'node:os';
import { dirname, isAbsolute, join } from 'node:path';
import { wildcardMatch } from './host-keys.js';

export interface JumpHop {
  user: string | null;
  host: string;
  port: number | null;
}

export interface SshConfigHost {
  /** The name given after `Host` (what you type after `ssh`). */
  alias: string;
  /** HostName, or the alias itself when none is set. */
  hostName: string;
  user: string | null;
  port: number | null;
  /** IdentityFile values in order, with ~ and %-tokens expanded. */
  identityFiles: string[];
  /** ProxyJump chain, outermost first; empty when none (or `ProxyJump none`). */
  proxyJump: JumpHop[];
  /** Where the alias was defined, for messages. */
  source: { file: string; line: number };
}

export interface SshConfig {
  /** Every concrete alias (no wildcard, not negated), in order of first appearance. */
  hosts: SshConfigHost[];
  /** The settings ssh would use for any name (alias or not), wildcard blocks included. */
  resolve(name: string): SshConfigHost;
  /** Problems met while reading (unreadable includes, bad values); never fatal. */
  warnings: string[];
}

export interface ParseOptions {
  /** The file name, for Include resolution and messages. */
  file?: string;
  /** Home directory for ~ and %d (default: os.homedir()). */
  home?: string;
  /** Local user name for %u (default: the current user). */
  localUser?: string;
  /** Reads an included file (default: fs.readFileSync as UTF-8). Throws if missing. */
  readFile?: (path: string) => string;
  /** Lists a directory's entries, for glob Includes (default: fs.readdirSync). */
  listDir?: (path: string) => string[];
}

interface Item {
  key: string; // lower case
  args: string[];
  file: string;
  line: number;
  /** Every Host condition this line sits under (outer blocks first); `null` = never. */
  conditions: (string[] | null)[];
}

/** Split a config line into words: whitespace separated, "double" or 'single' quotes group. */
export function splitWords(text: string): string[] {
  const words: string[] = [];
  let cur = '';
  let inWord = false;
  let quote: string | null = null;
  for (let i = 0; i < text.length; i++) {
    const c = text[i]!;
    if (quote) {
      if (c === quote) quote = null;
      else if (c === '\\' && quote === '"' && (text[i + 1] === '"' || text[i + 1] === '\\')) cur += text[++i];
      else cur += c;
    } else if (c === '"' || c === "'") {
      quote = c;
      inWord = true;
    } else if (/\s/.test(c)) {
      if (inWord) words.push(cur);
      cur = '';
      inWord = false;
    } else if (c === '#' && !inWord) {
      break;
    } else {
      cur += c;
      inWord = true;
    }
  }
  if (quote) throw new Error('unterminated quote');
  if (inWord) words.push(cur);
  return words;
}

/** Split `Key value`, `Key=value` or `Key = value`. */
function splitLine(raw: string): { key: string; args: string[] } | null {
  const line = raw.trim();
  if (line === '' || line.startsWith('#')) return null;
  const m = /^([A-Za-z][A-Za-z0-9]*)\s*(?:=\s*|\s+|$)(.*)$/.exec(line);
  if (!m) return null;
  return { key: m[1]!.toLowerCase(), args: splitWords(m[2]!) };
}

function hostBlockMatches(patterns: string[], name: string): boolean {
  let positive = false;
  for (const raw of patterns) {
    const negated = raw.startsWith('!');
    const hit = wildcardMatch(negated ? raw.slice(1) : raw, name);
    if (hit && negated) return false;
    if (hit) positive = true;
  }
  return positive;
}

const isWildcard = (pattern: string): boolean => /[*?]/.test(pattern);

/** Parse one ProxyJump hop: `[user@]host[:port]`, `[user@][v6addr]:port` or `ssh://[user@]host[:port]`. */
export function parseJumpHop(text: string): JumpHop {
  let rest = text.trim();
  if (rest.startsWith('ssh://')) rest = rest.slice(6).replace(/\/$/, '');
  let user: string | null = null;
  const at = rest.lastIndexOf('@');
  if (at >= 0) {
    user = rest.slice(0, at);
    rest = rest.slice(at + 1);
  }
  let host = rest;
  let port: number | null = null;
  const v6 = /^\[([^\]]+)\](?::(\d+))?$/.exec(rest);
  if (v6) {
    host = v6[1]!;
    port = v6[2] ? Number(v6[2]) : null;
  } else {
    const m = /^([^:]+):(\d+)$/.exec(rest);
    if (m) {
      host = m[1]!;
      port = Number(m[2]);
    }
  }
  if (host === '' || user === '' || (port !== null && (port < 1 || port > 65535))) {
    throw new Error(`bad ProxyJump hop '${text}'`);
  }
  return { user, host, port };
}

/** Parse a ProxyJump value: comma-separated hops, outermost first; `none` is no jump. */
export function parseProxyJump(value: string): JumpHop[] {
  if (value.trim().toLowerCase() === 'none') return [];
  return value.split(',').map(parseJumpHop);
}

export function expandTilde(path: string, home: string): string {
  if (path === '~') return home;
  if (path.startsWith('~/')) return join(home, path.slice(2));
  return path;
}

function expandTokens(value: string, tokens: Record<string, string>): string {
  return value.replace(/%(.)/g, (all, c: string) => (c === '%' ? '%' : (tokens[c] ?? all)));
}

/** Parse ssh_config text. Includes are read with `options.readFile`. */
export function parseSshConfig(text: string, options: ParseOptions = {}): SshConfig {
  const home = options.home ?? homedir();
  const localUser = options.localUser ?? safeUserName();
  const readFile = options.readFile ?? ((p: string) => readFileSync(p, 'utf8'));
  const listDir = options.listDir ?? ((p: string) => readdirSync(p));
  const mainFile = options.file ?? join(home, '.ssh', 'config');
  const warnings: string[] = [];
  const items: Item[] = [];
  const hostLines: { patterns: string[]; file: string; line: number }[] = [];

  const collect = (content: string, file: string, outer: (string[] | null)[], depth: number): void => {
    let block: string[] | null | undefined; // undefined: not in a Host/Match block of this file
    content.split(/\r?\n/).forEach((raw, i) => {
      let parsed;
      try {
        parsed = splitLine(raw);
      } catch (err) {
        warnings.push(`${file}:${i + 1}: ${(err as Error).message}`);
        return;
      }
      if (!parsed) return;
      const { key, args } = parsed;
      const line = i + 1;
      if (key === 'host') {
        block = args.length > 0 ? args : null;
        hostLines.push({ patterns: args, file, line });
        return;
      }
      if (key === 'match') {
        block = args.length === 1 && args[0]!.toLowerCase() === 'all' ? ['*'] : null;
        if (block === null) warnings.push(`${file}:${line}: Match blocks are not evaluated; skipped`);
        return;
      }
      const conditions = block === undefined ? outer : [...outer, block];
      if (key === 'include') {
        if (depth >= 16) {
          warnings.push(`${file}:${line}: Include nested too deeply`);
          return;
        }
        for (const arg of args) {
          for (const path of expandInclude(arg, home, listDir, warnings, `${file}:${line}`)) {
            let sub: string;
            try {
              sub = readFile(path);
            } catch {
              continue; // ssh ignores missing includes
            }
            collect(sub, path, conditions, depth + 1);
          }
        }
        return;
      }
      items.push({ key, args, file, line, conditions });
    });
  };
  collect(text, mainFile, [], 0);

  const applies = (item: Item, name: string): boolean =>
    item.conditions.every((c) => c !== null && hostBlockMatches(c, name));

  const resolve = (name: string, source?: { file: string; line: number }): SshConfigHost => {
    let hostName: string | null = null;
    let user: string | null = null;
    let port: number | null = null;
    let jump: JumpHop[] | null = null;
    const identities: string[] = [];
    for (const item of items) {
      if (!applies(item, name)) continue;
      const value = item.args.join(' ');
      const where = `${item.file}:${item.line}`;
      switch (item.key) {
        case 'hostname':
          if (hostName === null) hostName = expandTokens(value, { h: name });
          break;
        case 'user':
          if (user === null) user = value;
          break;
        case 'port':
          if (port === null) {
            const n = Number(value);
            if (Number.isInteger(n) && n >= 1 && n <= 65535) port = n;
            else warnings.push(`${where}: bad Port '${value}'`);
          }
          break;
        case 'identityfile':
          if (value !== '') identities.push(value);
          break;
        case 'proxyjump':
          if (jump === null) {
            try {
              jump = parseProxyJump(value);
            } catch (err) {
              warnings.push(`${where}: ${(err as Error).message}`);
              jump = [];
            }
          }
          break;
        default:
          break;
      }
    }
    const finalHost = hostName ?? name;
    const tokens = {
      d: home,
      u: localUser,
      h: finalHost,
      n: name,
      r: user ?? localUser,
      p: String(port ?? 22),
    };
    return {
      alias: name,
      hostName: finalHost,
      user,
      port,
      identityFiles: identities.map((f) => expandTilde(expandTokens(f, tokens), home)),
      proxyJump: jump ?? [],
      source: source ?? { file: mainFile, line: 0 },
    };
  };

  // Concrete aliases, first appearance first (blocks from includes included).
  const seen = new Map<string, { file: string; line: number }>();
  for (const { patterns, file, line } of hostLines) {
    const negated = patterns.filter((p) => p.startsWith('!')).map((p) => p.slice(1));
    for (const p of patterns) {
      if (p.startsWith('!') || isWildcard(p) || seen.has(p)) continue;
      if (negated.some((n) => wildcardMatch(n, p))) continue;
      seen.set(p, { file, line });
    }
  }
  const hosts = [...seen].map(([alias, source]) => resolve(alias, source));
  return { hosts, resolve: (name) => resolve(name), warnings };
}

/** Include paths: ~ expanded, relative ones under ~/.ssh, `*`/`?` in the last component globbed. */
function expandInclude(arg: string, home: string, listDir: (p: string) => string[], warnings: string[], where: string): string[] {
  let path = expandTilde(arg, home);
  if (!isAbsolute(path)) path = join(home, '.ssh', path);
  const dir = dirname(path);
  const base = path.slice(dir.length + 1);
  if (!isWildcard(base)) return [path];
  if (isWildcard(dir)) {
    warnings.push(`${where}: Include with wildcards in directories is not supported: ${arg}`);
    return [];
  }
  let names: string[];
  try {
    names = listDir(dir);
  } catch {
    return [];
  }
  const re = new RegExp(`^${base.replace(/[.+^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '.*').replace(/\?/g, '.')}$`);
  return names.filter((n) => re.test(n)).sort().map((n) => join(dir, n));
}

function safeUserName(): string {
  try {
    return userInfo().username;
  } catch {
    return process.env.USER ?? 'root';
  }
}

/** Read and parse ~/.ssh/config (or `path`). A missing file is an empty config. */
export function loadSshConfig(path?: string, options: Omit<ParseOptions, 'file'> = {}): SshConfig {
  const home = options.home ?? homedir();
  const file = path ?? join(home, '.ssh', 'config');
  let text = '';
  try {
    text = (options.readFile ?? ((p: string) => readFileSync(p, 'utf8')))(file);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
  }
  return parseSshConfig(text, { ...options, home, file });
}
