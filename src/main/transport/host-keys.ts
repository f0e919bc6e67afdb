// Host keys, pure: OpenSSH fingerprints, the pinned-fingerprint check, and known_hosts parsing
// (plain, hashed `|1|salt|hash`, `[host]:port`, wildcard and negated patterns, @revoked and
// @cert-authority markers). No I/O here: callers read files and pass their text.
import { createHash, createHmac, timingSafeEqual } from 'node:crypto';

/** OpenSSH fingerprint of a public key blob (SSH wire format): `SHA256:` + unpadded base64. */
export function fingerprint(keyBlob: Buffer): string {
  return `SHA256:${createHash('sha256').update(keyBlob).digest('base64').replace(/=+$/, '')}`;
}

/** The key type named inside a key blob (its first SSH string), e.g. `ssh-ed25519`. */
export function keyType(keyBlob: Buffer): string | null {
  if (keyBlob.length < 4) return null;
  const len = keyBlob.readUInt32BE(0);
  if (len === 0 || len > 64 || 4 + len > keyBlob.length) return null;
  return keyBlob.subarray(4, 4 + len).toString('latin1');
}

/** Parse an OpenSSH public key line (`ssh-ed25519 AAAA... comment`) into type and blob. */
export function parsePublicKey(line: string): { type: string; blob: Buffer; comment: string } | null {
  const m = /^\s*(\S+)\s+([A-Za-z0-9+/]+={0,3})(?:\s+(.*))?$/.exec(line);
  if (!m) return null;
  const blob = Buffer.from(m[2]!, 'base64');
  if (keyType(blob) !== m[1]) return null;
  return { type: m[1]!, blob, comment: (m[3] ?? '').trim() };
}

/** Normalises a fingerprint as users paste it: `SHA256:` prefix, no padding. Null if malformed. */
export function normalizeFingerprint(text: string): string | null {
  const m = /^(?:SHA256:)?([A-Za-z0-9+/]{43})=?$/.exec(text.trim());
  return m ? `SHA256:${m[1]}` : null;
}

export type Verdict = 'match' | 'mismatch' | 'unknown';

/** Compare a pinned fingerprint (or none) with the one the server presented. */
export function verify(pinned: string | null | undefined, presented: string): Verdict {
  if (pinned === null || pinned === undefined || pinned.trim() === '') return 'unknown';
  const a = normalizeFingerprint(pinned);
  const b = normalizeFingerprint(presented);
  if (a === null || b === null) return 'mismatch';
  return a === b ? 'match' : 'mismatch';
}

// ---- known_hosts ------------------------------------------------------------------------------

export type KnownHostMarker = 'revoked' | 'cert-authority' | null;

export interface KnownHostEntry {
  /** 1-based line number in the file. */
  line: number;
  marker: KnownHostMarker;
  /** The host field: comma-separated patterns, or one `|1|salt|hash` hashed name. */
  hosts: string;
  hashed: boolean;
  keyType: string;
  key: Buffer;
  fingerprint: string;
  comment: string;
}

/** Parse known_hosts text. Malformed lines are skipped (as OpenSSH does). */
export function parseKnownHosts(text: string): KnownHostEntry[] {
  const entries: KnownHostEntry[] = [];
  text.split(/\r?\n/).forEach((raw, i) => {
    const line = raw.trim();
    if (line === '' || line.startsWith('#')) return;
    const fields = line.split(/\s+/);
    let marker: KnownHostMarker = null;
    if (fields[0]!.startsWith('@')) {
      const name = fields.shift()!.slice(1);
      if (name === 'revoked' || name === 'cert-authority') marker = name;
      else return; // unknown marker: OpenSSH ignores the line
    }
    if (fields.length < 3) return;
    const [hosts, type, b64, ...rest] = fields as [string, string, string, ...string[]];
    if (!/^[A-Za-z0-9+/]+={0,3}$/.test(b64)) return;
    const key = Buffer.from(b64, 'base64');
    if (keyType(key) !== type) return;
    entries.push({
      line: i + 1,
      marker,
      hosts,
      hashed: hosts.startsWith('|1|'),
      keyType: type,
      key,
      fingerprint: fingerprint(key),
      comment: rest.join(' '),
    });
  });
  return entries;
}

/** The name OpenSSH looks up: `host` on port 22, `[host]:port` otherwise. */
export function knownHostName(host: string, port = 22): string {
  return port === 22 ? host : `[${host}]:${port}`;
}

/** The hashed form `ssh-keygen -H` writes for a name (salt: 20 bytes). */
export function hashHostName(name: string, salt: Buffer): string {
  const hash = createHmac('sha1', salt).update(name).digest();
  return `|1|${salt.toString('base64')}|${hash.toString('base64')}`;
}

function hashedMatches(field: string, name: string): boolean {
  const m = /^\|1\|([A-Za-z0-9+/=]+)\|([A-Za-z0-9+/=]+)$/.exec(field);
  if (!m) return false;
  const salt = Buffer.from(m[1]!, 'base64');
  const want = Buffer.from(m[2]!, 'base64');
  const got = createHmac('sha1', salt).update(name).digest();
  return want.length === got.length && timingSafeEqual(want, got);
}

/** OpenSSH's wildcard match: `*` any run, `?` one character; case-insensitive for host names. */
export function wildcardMatch(pattern: string, text: string): boolean {
  const re = new RegExp(
    `^${pattern.replace(/[.+^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '.*').replace(/\?/g, '.')}$`,
    'i',
  );
  return re.test(text);
}

/**
 * Whether a comma-separated pattern list matches any of `names`. A negated pattern (`!pat`)
 * that matches vetoes the whole list, as in OpenSSH's match_hostname.
 */
export function patternListMatches(list: string, names: readonly string[]): boolean {
  let positive = false;
  for (const raw of list.split(',')) {
    if (raw === '') continue;
    const negated = raw.startsWith('!');
    const pattern = negated ? raw.slice(1) : raw;
    const hit = names.some((n) => wildcardMatch(pattern, n));
    if (hit && negated) return false;
    if (hit) positive = true;
  }
  return positive;
}

/** Whether an entry names this host and port (hashed or not). */
export function entryMatchesHost(entry: KnownHostEntry, host: string, port = 22): boolean {
  const name = knownHostName(host, port);
  if (entry.hashed) return hashedMatches(entry.hosts, name);
  return patternListMatches(entry.hosts, [name]);
}

export type KnownHostsVerdict = Verdict | 'revoked';

export interface KnownHostsResult {
  verdict: KnownHostsVerdict;
  /** Fingerprints of the keys known for this host (not revoked, not CA), for messages. */
  known: string[];
}

/**
 * Check a presented key against known_hosts entries: `revoked` if an @revoked line lists this
 * key (for any host, as OpenSSH does), `match` if a plain line for this host has this exact key,
 * `mismatch` if lines for this host exist but none has it, `unknown` if none names the host.
 * @cert-authority lines are ignored (Driftwatch does not use host certificates).
 */
export function checkKnownHosts(
  entries: readonly KnownHostEntry[],
  host: string,
  port: number,
  presentedKey: Buffer,
): KnownHostsResult {
  const presented = fingerprint(presentedKey);
  if (entries.some((e) => e.marker === 'revoked' && e.fingerprint === presented)) {
    return { verdict: 'revoked', known: [] };
  }
  const forHost = entries.filter((e) => e.marker === null && entryMatchesHost(e, host, port));
  const known = forHost.map((e) => e.fingerprint);
  if (forHost.length === 0) return { verdict: 'unknown', known };
  return { verdict: known.includes(presented) ? 'match' : 'mismatch', known };
}

/** Fingerprints known_hosts lists for a host (e.g. to pin on `server add`), revoked ones left out. */
export function knownFingerprints(entries: readonly KnownHostEntry[], host: string, port = 22): string[] {
  const revoked = new Set(entries.filter((e) => e.marker === 'revoked').map((e) => e.fingerprint));
  return entries
    .filter((e) => e.marker === null && !revoked.has(e.fingerprint) && entryMatchesHost(e, host, port))
    .map((e) => e.fingerprint);
}
