// How the inventory reaches remote servers: the SSH transport for a server (with its jump chain),
// pinning host keys (trust on explicit request only), and importing hosts from ~/.ssh/config.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { ApiError, type ImportedHost } from '../../shared/api.js';
import type { Server } from '../../shared/domain.js';
import { knownFingerprints, normalizeFingerprint, parseKnownHosts } from '../transport/host-keys.js';
import { loadSshConfig, type JumpHop } from '../transport/ssh-config.js';
import { resolveJumpChain, type SshTransportOptions } from '../transport/ssh-endpoint.js';
import { probeHostKey } from '../transport/ssh-probe.js';
import { SshTransport } from '../transport/ssh.js';
import { now, type Db } from '../store/db.js';
import { resolveTrustedHostKey } from '../events/events.js';
import { addServer, getServer, listServers, setHostKey, setJumpHost, type StoredServer } from './inventory.js';

const lookup = (db: Db) => (name: string) => {
  try {
    return getServer(db, name) as Server;
  } catch {
    return undefined;
  }
};

export function sshTransportFor(db: Db, server: StoredServer, options: Omit<SshTransportOptions, 'jumps'> = {}): SshTransport {
  return SshTransport.forServer(server, lookup(db), options);
}

export async function probeServerKey(db: Db, name: string): Promise<{ fingerprint: string; keyType: string | null }> {
  const server = getServer(db, name);
  if (server.local) throw new ApiError('invalid_input', `${name} is this machine: it has no SSH host key to trust`);
  const probed = await probeHostKey(server.host, server.port, resolveJumpChain(server, lookup(db)));
  return { fingerprint: probed.fingerprint, keyType: probed.keyType };
}

export interface TrustOptions {
  fingerprint?: string;
  knownHostsFile?: string;
  /** Replace a different key pinned before (never done without it). */
  replace?: boolean;
  /** How the key was verified, for the trust record (by default: the option used). */
  how?: string;
}

/**
 * Pins a server's host key, never silently: the key must be named, by its fingerprint (which the
 * key the server presents must equal) or by a known_hosts file (hashed entries too), which must
 * list exactly one key for the host or the one the server presents. A different key pinned before
 * is replaced only with `replace`. The change is recorded, and resolves an open host-key event
 * that asked for this key.
 */
export async function trustServer(db: Db, name: string, options: TrustOptions = {}): Promise<StoredServer> {
  const server = getServer(db, name);
  if (!options.fingerprint && options.knownHostsFile === undefined) {
    throw new ApiError('invalid_input', `name the key to trust for ${name}: its fingerprint (compare it with ssh-keygen -lf on the server), or a known_hosts file`);
  }
  let expected: string | null = null;
  if (options.fingerprint) {
    expected = normalizeFingerprint(options.fingerprint);
    if (!expected) throw new ApiError('invalid_input', `not an OpenSSH SHA256 fingerprint: ${options.fingerprint}`);
  }
  let how = options.how ?? 'fingerprint given';
  let presented: string | null = null;
  if (options.knownHostsFile !== undefined) {
    const file = options.knownHostsFile || path.join(os.homedir(), '.ssh', 'known_hosts');
    how = options.how ?? `from known_hosts ${file}`;
    let text: string;
    try {
      text = fs.readFileSync(file, 'utf8');
    } catch (err) {
      throw new ApiError('invalid_input', `cannot read ${file}: ${(err as Error).message}`);
    }
    const known = [...new Set(knownFingerprints(parseKnownHosts(text), server.host, server.port))];
    if (!known.length) throw new ApiError('not_found', `${file} lists no key for ${server.host}:${server.port}`);
    if (expected && !known.includes(expected)) throw new ApiError('host_key_mismatch', `${file} does not list ${expected} for ${server.host}`);
    if (!expected && known.length > 1) {
      // Several key types for one host: the one the server presents must be among them.
      presented = (await probeServerKey(db, name)).fingerprint;
      if (!known.includes(presented)) throw new ApiError('host_key_mismatch', `${server.name} presents ${presented}, which ${file} does not list`);
    }
    expected ??= known[0]!;
  }
  presented ??= (await probeServerKey(db, name)).fingerprint;
  if (expected && presented !== expected) {
    throw new ApiError('host_key_mismatch', `${server.name} presents ${presented}, not the expected ${expected}; nothing was pinned`, { pinned: expected, presented });
  }
  return pinHostKey(db, server, presented, how, options.replace === true);
}

/** Pins a verified key: refused over a different pinned key unless `replace`; recorded; resolves the host-key event it answers. */
export function pinHostKey(db: Db, server: StoredServer, fingerprint: string, how: string, replace: boolean): StoredServer {
  if (server.hostKey && server.hostKey !== fingerprint && !replace) {
    throw new ApiError(
      'conflict',
      `${server.name} has another key pinned: pinned ${server.hostKey}, new ${fingerprint}. Nothing was changed; if the new key is legitimate, replace it (--replace)`,
      { pinned: server.hostKey, presented: fingerprint },
    );
  }
  return db.transaction(() => {
    const saved = setHostKey(db, server.name, fingerprint, how);
    resolveTrustedHostKey(db, server.id, fingerprint, `the new host key ${fingerprint} was trusted by ${os.userInfo().username} (${how})`, now());
    return saved;
  })();
}

/** Adds servers for the concrete Host entries of an ssh_config file (jump hosts included). */
/** The largest ssh config file an import reads (each included file too): 1 MiB. */
export const MAX_SSH_CONFIG_BYTES = 1024 * 1024;

/**
 * An ssh config file to import: it must exist and be a regular file of at most MAX_SSH_CONFIG_BYTES
 * (a FIFO or /dev/zero would block or never end). Opened non-blocking and checked on the open file.
 */
function readSshConfigFile(file: string): string {
  let fd: number;
  try {
    fd = fs.openSync(file, fs.constants.O_RDONLY | fs.constants.O_NONBLOCK);
  } catch (err) {
    throw new ApiError('invalid_input', `file: cannot read ${file}: ${(err as NodeJS.ErrnoException).code === 'ENOENT' ? 'no such file' : (err as Error).message}`);
  }
  try {
    const st = fs.fstatSync(fd);
    if (!st.isFile()) throw new ApiError('invalid_input', `file: ${file} is not a regular file`);
    if (st.size > MAX_SSH_CONFIG_BYTES) throw new ApiError('invalid_input', `file: ${file} is larger than ${MAX_SSH_CONFIG_BYTES} bytes`);
    return fs.readFileSync(fd, 'utf8');
  } finally {
    fs.closeSync(fd);
  }
}

export function importSshConfig(db: Db, options: { file?: string; hosts?: string[]; group?: string | null } = {}): ImportedHost[] {
  const file = options.file ?? path.join(os.homedir(), '.ssh', 'config');
  // Included files are read the same way; one refused is skipped, as ssh skips a missing one.
  const config = loadSshConfig(file, { readFile: readSshConfigFile });
  const wanted = (alias: string) => !options.hosts?.length || options.hosts.some((p) => new RegExp(`^${p.replace(/[.+^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '.*').replace(/\?/g, '.')}$`).test(alias));
  const results: ImportedHost[] = [];
  const byAlias = new Map(config.hosts.map((h) => [h.alias, h]));
  const importing = new Set<string>();

  const serverForHop = (hop: JumpHop): string => {
    const alias = byAlias.get(hop.host);
    if (alias) return importAlias(alias.alias);
    // The same host reached as another user is another login: only the same user's server is reused.
    const existing = listServers(db).find((s) => !s.local && s.host === hop.host && s.port === (hop.port ?? 22) && (!hop.user || s.user === hop.user));
    if (existing) return existing.name;
    const name = safeName(hop.host);
    addServer(db, { name, host: hop.host, port: hop.port ?? 22, user: hop.user ?? os.userInfo().username, auth: { kind: 'agent' } });
    results.push({ name, status: 'added', detail: `jump host ${hop.host}` });
    return name;
  };

  function importAlias(alias: string): string {
    const name = safeName(alias);
    if (results.some((r) => r.name === name) || importing.has(name)) return name;
    try {
      getServer(db, name);
      results.push({ name, status: 'exists', detail: 'a server of that name exists; left as it is' });
      return name;
    } catch {
      // not there yet
    }
    importing.add(name);
    const h = config.resolve(alias);
    let jump: string | null = null;
    for (const hop of h.proxyJump) jump = chainHop(jump, hop);
    const key = h.identityFiles.find((f) => fs.existsSync(f));
    addServer(db, {
      name,
      host: h.hostName,
      port: h.port ?? 22,
      user: h.user ?? os.userInfo().username,
      auth: key ? { kind: 'key', keyFile: key } : { kind: 'agent' },
      // Only the hosts asked for join the group; a jump host pulled in on the way does not (or it
      // would, or not, depending on where it stands in the file).
      group: wanted(alias) ? (options.group ?? null) : null,
      jump,
    });
    results.push({ name, status: 'added', detail: `${h.user ?? ''}${h.user ? '@' : ''}${h.hostName}:${h.port ?? 22}${jump ? ` via ${jump}` : ''}; host key not trusted yet` });
    return name;
  }

  // A chain a,b,c: b is reached through a, c through b, the server through c.
  function chainHop(previous: string | null, hop: JumpHop): string {
    const name = serverForHop(hop);
    if (previous) {
      const s = getServer(db, name);
      if (!s.jump) setJumpHost(db, s.id, getServer(db, previous).id);
    }
    return name;
  }

  for (const h of config.hosts) if (wanted(h.alias)) importAlias(h.alias);
  for (const w of config.warnings) results.push({ name: '', status: 'skipped', detail: w });
  return results;
}

function safeName(alias: string): string {
  return alias.replace(/[^A-Za-z0-9 ._@:+-]/g, '-').replace(/^[^A-Za-z0-9]+/, '').slice(0, 128) || 'host';
}
