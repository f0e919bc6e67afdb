// The test fleet: several real OpenSSH hosts on this one machine, for integration tests.
// Each host is a private mount namespace (and UTS namespace, for its own hostname) holding an
// overlay of `/` with its own upper dir, chrooted, with its own sshd on 127.0.B.N:22. See
// README.md beside this file for how it works and how to use it.
import { spawn, type ChildProcess } from 'node:child_process';
import { createServer, type Server as NetServer, type Socket } from 'node:net';
import { createHash, randomBytes } from 'node:crypto';
import { chmodSync, chownSync, existsSync, mkdirSync, openSync, readFileSync, closeSync, realpathSync, rmSync, statSync, writeFileSync, writeSync } from 'node:fs';
import { isAbsolute, join } from 'node:path';
import { allocateBlock, createRunDir, releaseBlock } from './alloc.js';
import { check, isAlive, killRootedUnder, pidsRootedUnder, run, type RunResult } from './proc.js';

export type HostVariant = 'debian' | 'busybox';

export interface HostSpec {
  /** Host name (also its hostname inside); default `host<N>` or `bb<N>` for BusyBox hosts. */
  name?: string;
  /** `debian`: the machine's own userland. `busybox`: PATH (/usr/bin, /bin) holds only BusyBox applets. */
  variant?: HostVariant;
  /**
   * Name of an earlier host this one hides behind: its sshd runs in that host's network
   * namespace, so it is reachable only from inside that host (e.g. as a jump host's target),
   * never from the test process.
   */
  behind?: string;
  /**
   * Real directories (absolute, canonical) bind-mounted read-only at the same place over the
   * host's overlay, the mounts below them too: the host reads them as this machine does, without
   * overlayfs (e.g. a benchmark's corpus), and cannot write them. See readOnlyBindMounts for what
   * is refused.
   */
  readOnlyBinds?: string[];
}

export interface FleetOptions {
  /** How many hosts, or one spec per host. */
  hosts: number | HostSpec[];
  /** Start a real ssh-agent holding the client key (see Fleet.agent). */
  agent?: boolean;
  /** How many hosts to set up at once (default 8). */
  concurrency?: number;
}

export interface KeyPair {
  /** Path of the private key file (OpenSSH format). */
  privateKey: string;
  /** Path of the public key file. */
  publicKey: string;
  /** `ssh-ed25519 AAAA... comment` */
  publicKeyLine: string;
}

export interface FleetUsers {
  /** Key auth only (PermitRootLogin prohibit-password). */
  root: 'root';
  /** Passwordless sudo for everything; key and password auth. */
  sudo: 'scanner';
  /** sudo asks for a password; key and password auth. */
  sudoNeedsPassword: 'nopw';
  /** Password auth only (no authorized keys). */
  passwordOnly: 'pwuser';
}

export const USERS: FleetUsers = { root: 'root', sudo: 'scanner', sudoNeedsPassword: 'nopw', passwordOnly: 'pwuser' };

export interface ExecOptions {
  /** Bytes for stdin. */
  input?: string | Buffer;
  /** Run as this user inside the host (default root). */
  user?: string;
  timeoutMs?: number;
}

export interface Host {
  readonly name: string;
  readonly variant: HostVariant;
  /** 127.0.B.N */
  readonly address: string;
  readonly port: 22;
  /** OpenSSH fingerprint of the current host key, `SHA256:...`. */
  readonly hostKeyFingerprint: string;
  /** The current host public key line (`ssh-ed25519 AAAA...`), e.g. for known_hosts files. */
  readonly hostPublicKey: string;
  /** Pid of the namespace holder; /proc/<pid>/root is the host's `/`. */
  readonly holderPid: number;
  /** Name of the host whose network this one lives in (reachable only from there), or null. */
  readonly behind: string | null;
  /** True when the host has its own network namespace (hosts hide behind it). */
  readonly isolated: boolean;
  /** The pid of the running sshd listener, or null when stopped. */
  readonly sshdPid: number | null;
  /** Run `sh -c cmd` inside the host (as root unless options.user). Never rejects on exit code. */
  exec(cmd: string, options?: ExecOptions): Promise<RunResult>;
  /** Run a shell script inside the host; throws with stderr unless it exits 0. Returns stdout. */
  sh(script: string, options?: ExecOptions): Promise<string>;
  writeFile(path: string, content: string | Buffer, mode?: number): Promise<void>;
  readFile(path: string): Promise<Buffer>;
  exists(path: string): Promise<boolean>;
  mkdir(path: string, mode?: number): Promise<void>;
  chmod(path: string, mode: number): Promise<void>;
  chown(path: string, owner: string): Promise<void>;
  rm(path: string): Promise<void>;
  /** New ed25519 host key, sshd restarted; returns the new fingerprint. */
  regenerateHostKey(): Promise<string>;
  stopSshd(): Promise<void>;
  startSshd(): Promise<void>;
  /** The last lines sshd logged (it runs with -e). */
  sshdLog(): string;
  /** Processes living in this host (pid and command name), e.g. to freeze its sshd. */
  processes(): { pid: number; comm: string }[];
}

export interface Agent {
  /** Value for SSH_AUTH_SOCK. */
  socket: string;
  pid: number;
  env: { SSH_AUTH_SOCK: string };
  stop(): Promise<void>;
}

export interface Fleet {
  hosts: Host[];
  /** Per-run directory (keys, logs, host upper dirs). */
  dir: string;
  /** Third octet of this fleet's addresses. */
  block: number;
  /** Unencrypted client key, authorized for root, scanner and nopw on every host. */
  clientKey: KeyPair;
  /** Passphrase-protected client key, authorized like clientKey. */
  passphraseKey: KeyPair & { passphrase: string };
  /** Password of every non-root user (scanner, nopw, pwuser). */
  password: string;
  users: FleetUsers;
  /** Set when started with `agent: true`. */
  agent: Agent | null;
  /** Start (another) ssh-agent holding the client key. Stopped with the fleet. */
  startAgent(): Promise<Agent>;
  /** known_hosts text listing every host's current key. */
  knownHosts(): string;
  /** Look a host up by name. */
  host(name: string): Host;
  stop(): Promise<void>;
}

const SSHD = '/usr/sbin/sshd';
const CONF_DIR = '/etc/dwfleet';
const SSHD_CONFIG = `${CONF_DIR}/sshd_config`;
const HOST_KEY = `${CONF_DIR}/ssh_host_ed25519_key`;

// ---- process exit: never leave namespaces, sshds or temp dirs behind ---------------------------

const live = new Set<FleetImpl>();
let exitHookInstalled = false;
function installExitHook(): void {
  if (exitHookInstalled) return;
  exitHookInstalled = true;
  process.on('exit', () => {
    for (const fleet of live) fleet.stopSync();
  });
}

// ---- preflight ----------------------------------------------------------------------------------

const REQUIRED = ['/usr/sbin/sshd', '/usr/bin/ssh-keygen', '/usr/bin/ssh-agent', '/usr/bin/ssh-add', '/usr/bin/unshare', '/usr/bin/nsenter', '/usr/sbin/chroot', '/usr/bin/setpriv', '/usr/bin/sudo', '/usr/bin/busybox'];

function preflight(): void {
  if (process.getuid?.() !== 0) throw new Error('the test fleet needs root (mount namespaces, chroot, sshd)');
  const missing = REQUIRED.filter((p) => {
    try {
      statSync(p);
      return false;
    } catch {
      return true;
    }
  });
  if (missing.length > 0) {
    throw new Error(`the test fleet needs ${missing.join(', ')}: run scripts/test-setup.sh (apt-get install openssh-server openssh-client sudo busybox util-linux iproute2)`);
  }
}

// ---- keys ---------------------------------------------------------------------------------------

async function generateKey(path: string, comment: string, passphrase = ''): Promise<KeyPair> {
  await check('ssh-keygen', ['-q', '-t', 'ed25519', '-N', passphrase, '-C', comment, '-f', path]);
  const publicKeyLine = readFileSync(`${path}.pub`, 'utf8').trim();
  return { privateKey: path, publicKey: `${path}.pub`, publicKeyLine };
}

/** OpenSSH SHA256 fingerprint of a public key line (computed here, independently of src/). */
export function fingerprintOfLine(line: string): string {
  const b64 = line.trim().split(/\s+/)[1] ?? '';
  return `SHA256:${createHash('sha256').update(Buffer.from(b64, 'base64')).digest('base64').replace(/=+$/, '')}`;
}

async function hashPassword(password: string): Promise<string> {
  const salt = randomBytes(12).toString('base64').replace(/[^A-Za-z0-9]/g, '').slice(0, 16);
  const r = await run('openssl', ['passwd', '-6', '-salt', salt, '-stdin'], { input: `${password}\n` }).catch(() => null);
  if (r && r.code === 0 && r.stdout.startsWith('$6$')) return r.stdout.trim();
  return (await check('busybox', ['mkpasswd', '-m', 'sha512', password, salt])).trim();
}

// ---- users --------------------------------------------------------------------------------------

interface UserDef {
  name: string;
  uid: number;
  home: string;
}

interface AccountFiles {
  passwd: (variant: HostVariant) => string;
  group: string;
  shadow: string;
  users: UserDef[];
}

function accountFiles(passwordHash: string): AccountFiles {
  const passwd = readFileSync('/etc/passwd', 'utf8').trimEnd().split('\n');
  const group = readFileSync('/etc/group', 'utf8').trimEnd().split('\n');
  const shadow = readFileSync('/etc/shadow', 'utf8').trimEnd().split('\n');
  const used = new Set([...passwd, ...group].map((l) => Number(l.split(':')[2])));
  let next = 2001;
  const users: UserDef[] = [USERS.sudo, USERS.sudoNeedsPassword, USERS.passwordOnly].map((name) => {
    while (used.has(next)) next++;
    used.add(next);
    return { name, uid: next, home: `/home/${name}` };
  });
  const names = new Set(users.map((u) => u.name));
  const keep = (lines: string[]): string[] => lines.filter((l) => !names.has(l.split(':')[0]!));
  const days = Math.floor(Date.now() / 86_400_000) - 1;
  // sshd without PAM refuses even key logins to a locked account ("!" password): root gets "*".
  const shadowLines = keep(shadow).map((l) => (l.startsWith('root:!') ? l.replace(/^root:![^:]*/, 'root:*') : l));
  return {
    passwd: (variant) => {
      const lines = keep(passwd).map((l) => {
        if (variant !== 'busybox') return l;
        const f = l.split(':');
        f[6] = '/bin/sh'; // BusyBox hosts have no bash
        return f.join(':');
      });
      const shell = variant === 'busybox' ? '/bin/sh' : '/bin/bash';
      return `${[...lines, ...users.map((u) => `${u.name}:x:${u.uid}:${u.uid}:Driftwatch fleet:${u.home}:${shell}`)].join('\n')}\n`;
    },
    group: `${[...keep(group), ...users.map((u) => `${u.name}:x:${u.uid}:`)].join('\n')}\n`,
    shadow: `${[...shadowLines, ...users.map((u) => `${u.name}:${passwordHash}:${days}:0:99999:7:::`)].join('\n')}\n`,
    users,
  };
}

// ---- config files -------------------------------------------------------------------------------

function sshdConfig(address: string, variant: HostVariant): string {
  return `# Driftwatch test fleet: everything explicit, no PAM.
ListenAddress ${address}:22
HostKey ${HOST_KEY}
PidFile none
UsePAM no
StrictModes no
PubkeyAuthentication yes
PasswordAuthentication yes
KbdInteractiveAuthentication no
PermitRootLogin prohibit-password
AuthorizedKeysFile ${CONF_DIR}/authorized_keys/%u
MaxSessions 20
MaxStartups 100:30:200
MaxAuthTries 10
LoginGraceTime 60
UseDNS no
PrintMotd no
PrintLastLog no
AllowTcpForwarding yes
AllowAgentForwarding no
X11Forwarding no
PermitTunnel no
Compression yes
LogLevel VERBOSE
Subsystem sftp internal-sftp
${variant === 'busybox' ? '# Only BusyBox applets on PATH (/usr/bin is a tmpfs of applet links).\nSetEnv PATH=/usr/bin:/bin\n' : ''}`;
}

const SUDOERS = `# Driftwatch test fleet
Defaults !lecture
${USERS.sudo} ALL=(ALL:ALL) NOPASSWD: ALL
${USERS.sudoNeedsPassword} ALL=(ALL:ALL) ALL
`;

/** Writes a file under a host's upper dir before the overlay is mounted (no one sees it yet). */
function put(upper: string, path: string, content: string | Buffer, mode: number, uid = 0, gid = 0): void {
  const full = join(upper, path);
  mkdirSync(join(full, '..'), { recursive: true });
  writeFileSync(full, content, { mode });
  chmodSync(full, mode);
  chownSync(full, uid, gid);
}

// ---- read-only binds ----------------------------------------------------------------------------

// What the fleet itself provides in each host: a bind over one of these (or of a parent, or of
// something inside) would hide it, or expose the real /tmp with every fleet run in it.
const HOST_OWN: Record<string, string> = {
  '/etc': 'its sshd config and accounts, written into its overlay',
  '/root': "root's dot files, written into its overlay",
  '/home': "the test users' home directories, written into its overlay",
  '/tmp': 'its own tmpfs',
  '/run': 'its own tmpfs',
  '/proc': 'its own proc',
  '/dev': 'its bind of /dev',
};

const within = (p: string, dir: string): boolean => p === dir || p.startsWith(`${dir}/`);

function mountPoints(): string[] {
  // Field 5 of mountinfo, with its octal escapes (\040 for a space) decoded.
  return readFileSync('/proc/self/mountinfo', 'utf8')
    .split('\n')
    .filter((l) => l !== '')
    .map((l) => l.split(' ')[4]!.replace(/\\([0-7]{3})/g, (_, o: string) => String.fromCharCode(parseInt(o, 8))));
}

/**
 * The mounts a host's readOnlyBinds make, parents first: each directory and every mount below it
 * (a recursive bind would leave those writable). Throws a clear error for a path that is not
 * absolute and canonical, not an existing directory, is `/`, or overlaps what the fleet provides
 * (HOST_OWN: /etc, /root, /home, /tmp, /run, /proc, /dev).
 */
export function readOnlyBindMounts(dirs: string[]): string[] {
  const out = new Set<string>();
  const mounts = dirs.length > 0 ? mountPoints() : [];
  for (const dir of dirs) {
    const refuse = (why: string): Error => new Error(`readOnlyBinds: ${JSON.stringify(dir)} ${why}`);
    if (!isAbsolute(dir)) throw refuse('is not an absolute path');
    if (dir === '/') throw refuse("is / itself: the host's / must stay its overlay");
    let real: string;
    try {
      real = realpathSync(dir);
    } catch {
      throw refuse('does not exist');
    }
    if (real !== dir) throw refuse(`is not canonical: it resolves to ${real}, pass that`);
    if (!statSync(dir).isDirectory()) throw refuse('is not a directory');
    const own = Object.keys(HOST_OWN).find((o) => within(o, dir) || within(dir, o));
    if (own) throw refuse(`overlaps the host's own ${own} (${HOST_OWN[own]})`);
    out.add(dir);
    for (const m of mounts) if (m.startsWith(`${dir}/`)) out.add(m);
  }
  // A parent sorts before anything below it.
  return [...out].sort();
}

// ---- the namespace holder -----------------------------------------------------------------------

// Run by `unshare -m -u [-n] --propagation private`: mount the host's world, then become the holder
// (`sleep infinity` chrooted into it). Its pid names the namespaces; nsenter -t PID -m -u -r
// enters them for sshd and exec. When every process inside is gone the namespace, and with it
// every mount below, disappears: nothing is ever mounted in the real mount namespace.
const HOLDER_SCRIPT = `set -e
m=$1 upper=$2 work=$3 name=$4 variant=$5 ownnet=$6
shift 6
if [ "$ownnet" = 1 ]; then ip link set lo up 2>/dev/null || busybox ip link set lo up; fi
mount -t overlay overlay -o "lowerdir=/,upperdir=$upper,workdir=$work" "$m"
# The rest of the arguments are readOnlyBinds (parents first): read as this machine reads them.
for d do
  mount --bind "$d" "$m$d"
  mount -o remount,bind,ro "$m$d"
done
mount -t proc proc "$m/proc"
mount --rbind /dev "$m/dev"
mount -t tmpfs -o mode=1777 tmpfs "$m/tmp"
mount -t tmpfs -o mode=755 tmpfs "$m/run"
mkdir -p "$m/run/sshd"
chmod 755 "$m/run/sshd"
if [ "$variant" = busybox ]; then
  mount -t tmpfs -o mode=755 tmpfs "$m/usr/bin"
  mount -t tmpfs -o mode=755 tmpfs "$m/usr/local/bin"
  cp /usr/bin/busybox "$m/usr/bin/busybox"
  chroot "$m" /usr/bin/busybox --install -s /usr/bin
fi
hostname "$name"
# "ready" is printed from inside the chroot: once it is seen, /proc/PID/root is the host's /,
# so nsenter -r can never run anything in the real root.
exec chroot "$m" /bin/sh -c 'echo ready && exec sleep infinity'
`;

// ---- a host -------------------------------------------------------------------------------------

interface HostPaths {
  root: string;
  upper: string;
  work: string;
  merged: string;
  log: string;
}

class HostImpl implements Host {
  readonly port = 22 as const;
  hostKeyFingerprint = '';
  hostPublicKey = '';
  holderPid = 0;
  sshdPid: number | null = null;
  isolated = false;
  private holder: ChildProcess | null = null;
  private sshd: ChildProcess | null = null;
  private relay: NetServer | null = null;
  private relayed = new Set<ChildProcess>();
  private logLines: string[] = [];

  constructor(
    readonly name: string,
    readonly variant: HostVariant,
    readonly address: string,
    readonly paths: HostPaths,
    readonly behind: string | null,
    private readonly front: HostImpl | null,
    private readonly binds: string[],
  ) {}

  async setup(fleet: FleetImpl, accounts: AccountFiles): Promise<void> {
    const { root, upper, work, merged } = this.paths;
    for (const d of [root, upper, work, merged]) mkdirSync(d, { recursive: true });
    // Host key, generated straight into the upper dir.
    mkdirSync(join(upper, CONF_DIR), { recursive: true, mode: 0o755 });
    const key = await generateKey(join(upper, HOST_KEY), `root@${this.name}`);
    this.setHostKey(key.publicKeyLine);
    put(upper, SSHD_CONFIG, sshdConfig(this.address, this.variant), 0o644);
    const authorized = `${fleet.clientKey.publicKeyLine}\n${fleet.passphraseKey.publicKeyLine}\n`;
    for (const user of [USERS.root, USERS.sudo, USERS.sudoNeedsPassword]) {
      put(upper, `${CONF_DIR}/authorized_keys/${user}`, authorized, 0o644);
    }
    put(upper, 'etc/passwd', accounts.passwd(this.variant), 0o644);
    put(upper, 'etc/group', accounts.group, 0o644);
    const shadowGid = statSync('/etc/shadow').gid;
    put(upper, 'etc/shadow', accounts.shadow, 0o640, 0, shadowGid);
    put(upper, 'etc/sudoers.d/driftwatch-fleet', SUDOERS, 0o440);
    put(upper, 'etc/hostname', `${this.name}\n`, 0o644);
    put(upper, 'etc/hosts', `${readFileSync('/etc/hosts', 'utf8').trimEnd()}\n${this.address} ${this.name}\n`, 0o644);
    // root's dot files are Debian's stock ones, not this machine's: a developer's ~/.bashrc (which
    // bash reads for every SSH command) is no part of a server, and here it ran pyenv, ~0.1 s
    // of CPU per session.
    mkdirSync(join(upper, 'root'), { mode: 0o700 });
    chmodSync(join(upper, 'root'), 0o700);
    for (const dot of ['bashrc', 'profile']) {
      const stock = `/usr/share/base-files/dot.${dot}`;
      put(upper, `root/.${dot}`, existsSync(stock) ? readFileSync(stock) : '', 0o644);
    }
    for (const u of accounts.users) {
      mkdirSync(join(upper, u.home), { recursive: true, mode: 0o755 });
      chownSync(join(upper, u.home), u.uid, u.uid);
    }
    await this.startHolder();
    await this.startSshd();
  }

  private setHostKey(line: string): void {
    this.hostPublicKey = line.split(/\s+/).slice(0, 2).join(' ');
    this.hostKeyFingerprint = fingerprintOfLine(line);
  }

  private log(text: string): void {
    for (const line of text.split('\n')) if (line !== '') this.logLines.push(line);
    if (this.logLines.length > 400) this.logLines.splice(0, this.logLines.length - 400);
    try {
      const fd = openSync(this.paths.log, 'a');
      writeSync(fd, text);
      closeSync(fd);
    } catch {
      // the run dir is being removed
    }
  }

  sshdLog(): string {
    return this.logLines.join('\n');
  }

  private startHolder(): Promise<void> {
    const { upper, work, merged } = this.paths;
    // A host behind another one joins that host's network namespace; a host others hide
    // behind gets a network namespace of its own (reached through the relay, see startSshd).
    const net = this.front ? ['nsenter', `--net=/proc/${this.front.holderPid}/ns/net`, '--'] : [];
    const own = this.isolated ? ['-n'] : [];
    const child = spawn(
      'setpriv',
      ['--pdeathsig', 'KILL', '--', ...net, 'unshare', '-m', '-u', ...own, '--propagation', 'private', '--', 'sh', '-c', HOLDER_SCRIPT, 'holder', merged, upper, work, this.name, this.variant, this.isolated ? '1' : '0', ...this.binds],
      { stdio: ['ignore', 'pipe', 'pipe'] },
    );
    this.holder = child;
    return new Promise((resolve, reject) => {
      let out = '';
      let err = '';
      child.stderr!.on('data', (b: Buffer) => {
        err += b.toString();
      });
      child.stdout!.on('data', (b: Buffer) => {
        out += b.toString();
        if (out.includes('ready\n')) {
          this.holderPid = child.pid!;
          resolve();
        }
      });
      child.on('error', reject);
      child.on('exit', (code, signal) => {
        this.holder = null;
        reject(new Error(`host ${this.name}: namespace setup failed (${code ?? signal}): ${err.trim()}`));
      });
    });
  }

  processes(): { pid: number; comm: string }[] {
    return pidsRootedUnder(this.paths.merged).map((pid) => {
      let comm = '';
      try {
        comm = readFileSync(`/proc/${pid}/comm`, 'utf8').trim();
      } catch {
        // gone
      }
      return { pid, comm };
    });
  }

  async startSshd(): Promise<void> {
    if (this.isolated) return this.startRelay();
    if (this.sshd) return;
    const child = spawn(
      'setpriv',
      ['--pdeathsig', 'KILL', '--', 'nsenter', '-t', String(this.holderPid), '-m', '-u', '-n', '-r', '-w', '--', SSHD, '-D', '-e', '-f', SSHD_CONFIG],
      { stdio: ['ignore', 'ignore', 'pipe'] },
    );
    this.sshd = child;
    await new Promise<void>((resolve, reject) => {
      let pending = '';
      const onData = (b: Buffer): void => {
        const text = b.toString();
        this.log(text);
        pending += text;
        if (pending.includes('Server listening on')) {
          pending = '';
          resolve();
        } else if (pending.length > 65536) {
          pending = pending.slice(-1024);
        }
      };
      child.stderr!.on('data', onData);
      child.on('error', reject);
      child.on('exit', (code, signal) => {
        if (this.sshd === child) {
          this.sshd = null;
          this.sshdPid = null;
        }
        reject(new Error(`host ${this.name}: sshd exited (${code ?? signal}): ${this.sshdLog().split('\n').slice(-5).join(' | ')}`));
      });
    });
    this.sshdPid = child.pid!;
  }

  // A host with its own network namespace cannot listen in the test process's network, so its
  // address there is served by a relay: each connection accepted here is handed, as stdin and
  // stdout, to a new `sshd -i` (inetd mode) started inside the host's namespaces. No bytes pass
  // through this process; the sshd's own outgoing connections (port forwarding to the hosts
  // behind it) start in the host's network.
  private async startRelay(): Promise<void> {
    if (this.relay) return;
    const server = createServer({ pauseOnConnect: true }, (socket: Socket) => {
      const child = spawn(
        'setpriv',
        ['--pdeathsig', 'KILL', '--', 'nsenter', '-t', String(this.holderPid), '-m', '-u', '-n', '-r', '-w', '--', SSHD, '-i', '-e', '-f', SSHD_CONFIG],
        { stdio: [socket, socket, 'pipe'] },
      );
      socket.destroy(); // the child holds its own copy of the connection
      this.relayed.add(child);
      child.stderr!.on('data', (b: Buffer) => this.log(b.toString()));
      child.on('exit', () => this.relayed.delete(child));
      child.on('error', () => this.relayed.delete(child));
    });
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(22, this.address, () => resolve());
    });
    server.on('error', (err) => this.log(`relay error: ${err.message}\n`));
    this.relay = server;
    this.log(`Relay listening on ${this.address} port 22 (sshd -i inside ${this.name}).\n`);
  }

  async stopSshd(): Promise<void> {
    if (this.relay) {
      const server = this.relay;
      this.relay = null;
      await new Promise<void>((resolve) => server.close(() => resolve()));
      return;
    }
    const child = this.sshd;
    if (!child) return;
    const exited = new Promise<void>((resolve) => {
      if (child.exitCode !== null || child.signalCode !== null) resolve();
      else child.once('exit', () => resolve());
    });
    child.kill('SIGTERM');
    await exited;
    this.sshd = null;
    this.sshdPid = null;
  }

  async regenerateHostKey(): Promise<string> {
    const staging = join(this.paths.root, `hostkey-${Date.now()}-${Math.random().toString(36).slice(2, 6)}`);
    const key = await generateKey(staging, `root@${this.name}`);
    await this.writeFile(HOST_KEY, readFileSync(staging), 0o600);
    await this.writeFile(`${HOST_KEY}.pub`, readFileSync(`${staging}.pub`), 0o644);
    rmSync(staging, { force: true });
    rmSync(`${staging}.pub`, { force: true });
    await this.stopSshd();
    this.setHostKey(key.publicKeyLine);
    await this.startSshd();
    return this.hostKeyFingerprint;
  }

  exec(cmd: string, options: ExecOptions = {}): Promise<RunResult> {
    if (!this.holderPid || !isAlive(this.holderPid)) return Promise.reject(new Error(`host ${this.name} is not running`));
    const inner = options.user && options.user !== 'root'
      ? ['setpriv', '--reuid', options.user, '--regid', options.user, '--init-groups', '--reset-env', '--', '/bin/sh', '-c', cmd]
      : ['/bin/sh', '-c', cmd];
    return run('nsenter', ['-t', String(this.holderPid), '-m', '-u', '-n', '-r', '-w', '--', ...inner], {
      input: options.input ?? '',
      timeoutMs: options.timeoutMs ?? 120_000,
      env: { PATH: '/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin', HOME: '/root', LC_ALL: 'C' },
    });
  }

  async sh(script: string, options: ExecOptions = {}): Promise<string> {
    const r = await this.exec(script, options);
    if (r.code !== 0) {
      throw new Error(`host ${this.name}: script failed (${r.code ?? r.signal}): ${r.stderr.trim() || r.stdout.trim()}\n--- script ---\n${script}`);
    }
    return r.stdout;
  }

  // File helpers run inside the host, so paths and symlinks resolve in the host's own root.
  async writeFile(path: string, content: string | Buffer, mode?: number): Promise<void> {
    const p = `'${escapeSingle(path)}'`;
    await this.sh(`cat > ${p}${mode === undefined ? '' : ` && chmod ${mode.toString(8)} ${p}`}`, { input: content });
  }

  async readFile(path: string): Promise<Buffer> {
    const r = await this.exec(`cat -- '${escapeSingle(path)}'`);
    if (r.code !== 0) throw new Error(`host ${this.name}: cannot read ${path}: ${r.stderr.trim()}`);
    return r.stdoutBytes;
  }

  async exists(path: string): Promise<boolean> {
    const r = await this.exec(`test -e '${escapeSingle(path)}' || test -L '${escapeSingle(path)}'`);
    return r.code === 0;
  }

  async mkdir(path: string, mode?: number): Promise<void> {
    await this.sh(`mkdir -p '${escapeSingle(path)}'${mode === undefined ? '' : ` && chmod ${mode.toString(8)} '${escapeSingle(path)}'`}`);
  }

  async chmod(path: string, mode: number): Promise<void> {
    await this.sh(`chmod ${mode.toString(8)} '${escapeSingle(path)}'`);
  }

  async chown(path: string, owner: string): Promise<void> {
    await this.sh(`chown '${escapeSingle(owner)}' '${escapeSingle(path)}'`);
  }

  async rm(path: string): Promise<void> {
    await this.sh(`rm -rf '${escapeSingle(path)}'`);
  }

  /** Kill everything of this host (sync; used on exit). */
  killAll(): void {
    this.relay?.close();
    this.relay = null;
    for (const c of this.relayed) c.kill('SIGKILL');
    if (this.holder) this.holder.kill('SIGKILL');
    if (this.sshd) this.sshd.kill('SIGKILL');
    killRootedUnder(this.paths.merged);
  }

  /** Our own child processes (holder, sshd, relayed sshd -i), to wait until they are reaped. */
  children(): ChildProcess[] {
    return [this.holder, this.sshd, ...this.relayed].filter((c): c is ChildProcess => c !== null);
  }
}

function escapeSingle(s: string): string {
  return s.replace(/'/g, `'\\''`);
}

/** Resolves when a child process has exited and been reaped. */
function exited(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => child.once('exit', () => resolve()));
}

// ---- the fleet ----------------------------------------------------------------------------------

async function limit<T>(items: T[], n: number, fn: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  const errors: unknown[] = [];
  const worker = async (): Promise<void> => {
    while (next < items.length) {
      const item = items[next++]!;
      try {
        await fn(item);
      } catch (err) {
        errors.push(err);
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(n, items.length) }, worker));
  if (errors.length > 0) throw errors[0];
}

class FleetImpl implements Fleet {
  hosts: HostImpl[] = [];
  agent: Agent | null = null;
  users = USERS;
  password = `pw-${randomBytes(9).toString('base64url')}`;
  clientKey!: KeyPair;
  passphraseKey!: KeyPair & { passphrase: string };
  private agents: { child: ChildProcess; socket: string }[] = [];
  private stopped = false;

  constructor(
    readonly dir: string,
    readonly block: number,
  ) {}

  host(name: string): Host {
    const h = this.hosts.find((x) => x.name === name);
    if (!h) throw new Error(`no fleet host named ${name}`);
    return h;
  }

  knownHosts(): string {
    return this.hosts.map((h) => `${h.address} ${h.hostPublicKey}\n`).join('');
  }

  async startAgent(): Promise<Agent> {
    const socket = join(this.dir, `agent-${this.agents.length + 1}.sock`);
    const child = spawn('setpriv', ['--pdeathsig', 'KILL', '--', 'ssh-agent', '-D', '-a', socket], { stdio: ['ignore', 'pipe', 'pipe'] });
    const entry = { child, socket };
    this.agents.push(entry);
    await new Promise<void>((resolve, reject) => {
      let out = '';
      child.stdout!.on('data', (b: Buffer) => {
        out += b.toString();
        if (out.includes('SSH_AUTH_SOCK=')) resolve();
      });
      child.stderr!.resume();
      child.on('error', reject);
      child.on('exit', (code) => reject(new Error(`ssh-agent exited (${code})`)));
    });
    const env = { ...process.env, SSH_AUTH_SOCK: socket };
    await check('ssh-add', ['-q', this.clientKey.privateKey], { env });
    const stop = async (): Promise<void> => {
      if (child.exitCode !== null || child.signalCode !== null) return;
      const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
      child.kill('SIGTERM');
      await exited;
    };
    return { socket, pid: child.pid!, env: { SSH_AUTH_SOCK: socket }, stop };
  }

  async stop(): Promise<void> {
    if (this.stopped) return;
    this.stopped = true;
    const children = [...this.agents.map((a) => a.child), ...this.hosts.flatMap((h) => h.children())];
    for (const a of this.agents) a.child.kill('SIGTERM');
    for (const h of this.hosts) h.killAll();
    await Promise.all(children.map(exited));
    // Wait (bounded) until nothing lives in this run's chroots any more, then remove it all.
    const deadline = Date.now() + 10_000;
    while (pidsRootedUnder(this.dir).length > 0 && Date.now() < deadline) {
      killRootedUnder(this.dir);
      await new Promise((r) => setTimeout(r, 20));
    }
    rmSync(this.dir, { recursive: true, force: true });
    releaseBlock(this.block);
    live.delete(this);
  }

  stopSync(): void {
    if (this.stopped) return;
    this.stopped = true;
    for (const a of this.agents) a.child.kill('SIGKILL');
    for (const h of this.hosts) h.killAll();
    try {
      rmSync(this.dir, { recursive: true, force: true });
    } catch {
      // processes still dying keep nothing mounted here; the next fleet reaps what is left
    }
    releaseBlock(this.block);
  }
}

/** Start a fleet of real sshd hosts. Call `stop()` when done (also done at process exit). */
export async function startFleet(options: FleetOptions): Promise<Fleet> {
  preflight();
  installExitHook();
  const specs: HostSpec[] = typeof options.hosts === 'number' ? Array.from({ length: options.hosts }, () => ({})) : options.hosts;
  if (specs.length < 1 || specs.length > 250) throw new Error('a fleet has 1 to 250 hosts');
  // Refused before anything is started.
  const binds = specs.map((spec) => readOnlyBindMounts(spec.readOnlyBinds ?? []));
  const block = allocateBlock();
  const dir = createRunDir();
  const fleet = new FleetImpl(dir, block);
  live.add(fleet);
  try {
    const passphrase = `pass-${randomBytes(6).toString('hex')}`;
    const [clientKey, passphraseKey, hash] = await Promise.all([
      generateKey(join(dir, 'id_client'), 'driftwatch-fleet-client'),
      generateKey(join(dir, 'id_passphrase'), 'driftwatch-fleet-passphrase', passphrase),
      hashPassword(fleet.password),
    ]);
    fleet.clientKey = clientKey;
    fleet.passphraseKey = { ...passphraseKey, passphrase };
    const accounts = accountFiles(hash);
    let debianCount = 0;
    let bbCount = 0;
    for (const spec of specs) {
      const i = fleet.hosts.length;
      const variant = spec.variant ?? 'debian';
      const name = spec.name ?? (variant === 'busybox' ? `bb${++bbCount}` : `host${++debianCount}`);
      if (fleet.hosts.some((h) => h.name === name)) throw new Error(`fleet host names must be unique: ${name}`);
      let front: HostImpl | null = null;
      if (spec.behind) {
        front = fleet.hosts.find((h) => h.name === spec.behind) ?? null;
        if (!front) throw new Error(`host ${name} is behind ${spec.behind}, which must be an earlier host`);
        if (front.behind) throw new Error(`host ${name} cannot hide behind ${spec.behind}, which is itself hidden`);
        front.isolated = true;
      }
      const root = join(dir, name);
      const paths = { root, upper: join(root, 'upper'), work: join(root, 'work'), merged: join(root, 'merged'), log: join(root, 'sshd.log') };
      fleet.hosts.push(new HostImpl(name, variant, `127.0.${block}.${i + 1}`, paths, spec.behind ?? null, front, binds[i]!));
    }
    // Hosts that others hide behind first: the hidden ones join their network namespaces.
    const concurrency = options.concurrency ?? 8;
    await limit(fleet.hosts.filter((h) => !h.behind), concurrency, (h) => h.setup(fleet, accounts));
    await limit(fleet.hosts.filter((h) => h.behind), concurrency, (h) => h.setup(fleet, accounts));
    if (options.agent) fleet.agent = await fleet.startAgent();
    return fleet;
  } catch (err) {
    await fleet.stop();
    throw err;
  }
}
