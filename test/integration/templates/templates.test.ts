// Built-in policy templates: every file is a valid policy document whose targets carry flags, a
// compare mode and a compliance reference; `policy templates` and `policy add --template` work; and
// on two hosts built alike (test fleet: overlay copies of this machine, reached over SSH) a baseline
// of one host with each Linux template finds nothing at all on the other, while a tampered host
// shows exactly what changed.
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { main } from '../../../src/main/cli/main.js';
import { openEngine, type Engine } from '../../../src/main/engine/engine.js';
import { parsePolicyDocument } from '../../../src/main/policy/policies.js';
import { templatesDir } from '../../../src/main/policy/templates.js';
import { startFleet, type Fleet, type Host } from '../../fleet/fleet.js';
import { call, cleanup, tempDir } from '../alert/helpers.js';

const LINUX = ['linux-debian', 'linux-rhel', 'linux-alpine', 'openssh-server', 'nginx', 'apache', 'postgresql', 'mysql', 'docker-host'];
const ALL = [...LINUX, 'windows-core'];

describe('template files', () => {
  const dir = templatesDir();
  const docs = new Map(ALL.map((id) => [id, JSON.parse(fs.readFileSync(path.join(dir, `${id}.json`), 'utf8')) as Record<string, unknown>]));

  it('ships exactly the built-in templates, each a valid policy document', () => {
    expect(fs.readdirSync(dir).filter((f) => f.endsWith('.json')).sort()).toEqual(ALL.map((id) => `${id}.json`).sort());
    for (const [id, doc] of docs) {
      const d = parsePolicyDocument(doc);
      expect(d.targets.length, id).toBeGreaterThan(5);
      expect(d.os, id).toBe(id === 'windows-core' ? 'windows' : 'linux');
      expect(d.description.length, id).toBeGreaterThan(40);
    }
  });

  it('gives every target explicit flags, a compare mode and a compliance reference', () => {
    for (const [id, doc] of docs) {
      for (const t of doc.targets as Record<string, unknown>[]) {
        const where = `${id} ${String(t.path)}`;
        expect(typeof t.critical, where).toBe('boolean');
        expect(typeof t.alert, where).toBe('boolean');
        expect(['master', 'self'], where).toContain(t.compare);
        expect(t.reference, where).toMatch(/PCI DSS 11\.5\.2/);
      }
    }
  });

  it('compares host-specific files with their own history', () => {
    const self = (id: string) => new Set((docs.get(id)!.targets as { path: string; compare: string }[]).filter((t) => t.compare === 'self').map((t) => t.path));
    for (const id of ['linux-debian', 'linux-rhel', 'linux-alpine']) {
      for (const p of ['/etc/hostname', '/etc/hosts', '/etc/machine-id', '/etc/shadow', '/etc/ssh/ssh_host_ed25519_key', '/etc/ssh/ssh_host_rsa_key.pub', '/boot', '/root/.ssh']) {
        expect(self(id).has(p), `${id} ${p}`).toBe(true);
      }
    }
    expect(self('openssh-server').has('/etc/ssh/ssh_host_ecdsa_key')).toBe(true);
    // Nothing under logs, caches or spools is watched by master comparison.
    for (const [id, doc] of docs) {
      for (const t of doc.targets as { path: string; compare: string }[]) {
        if (t.compare === 'master') expect(t.path, id).not.toMatch(/^\/(var\/(log|cache|tmp|run)|tmp|run|proc|sys)(\/|$)/);
      }
    }
  });

  it('keeps the Windows registry keys as data that validates', () => {
    const d = parsePolicyDocument(docs.get('windows-core'));
    const registry = d.targets.filter((t) => t.path.startsWith('HKLM\\'));
    expect(registry.map((t) => t.path)).toContain('HKLM\\SOFTWARE\\Microsoft\\Windows\\CurrentVersion\\Run');
    for (const t of registry) expect(t.reference).toMatch(/registry key: data only until the Windows scanner/);
    expect(d.targets.some((t) => t.path === 'C:\\Windows\\System32\\drivers\\etc\\hosts' && t.compare === 'self')).toBe(true);
    // A Linux policy does not take Windows paths.
    expect(() => parsePolicyDocument({ ...docs.get('windows-core'), os: 'linux' })).toThrow(/path must be an absolute path/);
  });
});

describe('template commands', () => {
  let home: string;
  beforeAll(() => {
    home = tempDir('tpl-cli');
  });
  afterAll(() => cleanup(home));
  const run = async (...argv: string[]) => {
    const out: string[] = [];
    const err: string[] = [];
    const code = await main(['--home', home, ...argv], { out: (t) => out.push(t), err: (t) => err.push(t) });
    return { code, out: out.join('\n'), err: err.join('\n') };
  };

  it('lists the templates and adds a policy from one, references included', async () => {
    const list = await run('policy', 'templates');
    expect(list.code).toBe(0);
    for (const id of ALL) expect(list.out).toMatch(new RegExp(`^${id} +(linux|windows) +\\d+ +\\S`, 'm'));
    const json = JSON.parse((await run('policy', 'templates', '--json')).out) as { id: string; name: string; targets: number }[];
    expect(json.map((t) => t.id).sort()).toEqual([...ALL].sort());

    const add = await run('policy', 'add', 'Core', '--template', 'linux-debian');
    expect(add.code).toBe(0);
    expect(add.out).toMatch(/^added policy Core \(linux\) from template linux-debian with \d+ targets$/);
    const exported = JSON.parse((await run('policy', 'export', 'Core')).out) as { targets: { path: string; reference?: string; compare: string }[] };
    expect(exported.targets.find((t) => t.path === '/etc/sudoers')!.reference).toBe('PCI DSS 11.5.2; CIS 1.3 (sudo)');
    expect(exported.targets.find((t) => t.path === '/etc/hostname')!.compare).toBe('self');
    expect((await run('policy', 'add', 'Core', '--template', 'linux-debian')).err).toMatch(/exists already/);
    expect((await run('policy', 'add', 'X', '--template', 'nope')).err).toMatch(/no policy template 'nope'/);
    expect((await run('policy', 'add', 'X', '--template', '../etc/passwd')).err).toMatch(/no policy template/);

    const engine = openEngine({ home });
    try {
      const win = await call(engine, 'policies/fromTemplate', { template: 'windows-core' });
      expect(win).toMatchObject({ name: 'Windows core', os: 'windows' });
      // The reference round-trips through the store and the export format.
      const reimported = await call(engine, 'policies/import', { document: { ...(await call(engine, 'policies/export', { name: 'Windows core' })), name: 'Win copy' } });
      expect(reimported.targets).toEqual(win.targets);
    } finally {
      engine.close();
    }
  });
});

describe('templates on two hosts built alike (test fleet)', () => {
  let fleet: Fleet;
  let gold: Host;
  let other: Host;
  let home: string;
  let engine: Engine;
  const policies: string[] = [];

  beforeAll(async () => {
    fleet = await startFleet({ hosts: 2 });
    [gold, other] = fleet.hosts as [Host, Host];
    home = tempDir('tpl-fleet');
    engine = openEngine({ home });
    await call(engine, 'groups/add', { name: 'Gold' });
    await call(engine, 'groups/add', { name: 'Fleet' });
    for (const [name, host, group] of [['gold', gold, 'Gold'], ['web', other, 'Fleet']] as const) {
      await call(engine, 'servers/add', { name, host: host.address, port: 22, user: 'root', auth: { kind: 'key', keyFile: fleet.clientKey.privateKey }, group });
      await call(engine, 'servers/trust', { name, fingerprint: host.hostKeyFingerprint });
    }
    for (const id of LINUX) {
      const p = await call(engine, 'policies/fromTemplate', { template: id });
      policies.push(p.name);
      const run = await call(engine, 'baselines/create', { policy: p.name, servers: ['gold'] });
      expect(run.failures, id).toEqual([]);
      await call(engine, 'groups/assign', { name: 'Fleet', policy: p.name });
    }
  });
  afterAll(async () => {
    engine?.close();
    await fleet?.stop();
    if (home) cleanup(home);
  });

  it('baselines real content with each Linux template', async () => {
    const baselines = await call(engine, 'baselines/list', {});
    const entries = new Map(baselines.map((b) => [b.policy, b.entries]));
    expect(entries.get('Linux core Debian-Ubuntu')).toBeGreaterThan(1000);
    expect(entries.get('OpenSSH server')).toBeGreaterThan(5);
    const core = baselines.find((b) => b.policy === 'Linux core Debian-Ubuntu')!;
    // Another gold master beside the first (add), so removing it leaves the first one in use.
    const report = (await call(engine, 'baselines/create', { policy: 'Linux core Debian-Ubuntu', servers: ['gold'], add: true })).reports[0]!;
    await call(engine, 'baselines/remove', { id: report.baseline.id });
    const state = new Map(report.targets.map((t) => [t.path, t.state]));
    expect(state.get('/etc/passwd')).toBe('found');
    expect(state.get('/usr/bin')).toBe('found');
    expect(state.get('/etc/ld.so.preload')).toBe('missing'); // absent here: fine, and watched
    expect(core.server).toBe('gold');
  });

  it('finds no event at all on an untouched host, scan after scan', async () => {
    for (let i = 0; i < 2; i++) {
      const [r] = await engine.scan({ servers: ['web'] });
      // The first scan records the state of the templates' self targets: those are compared from the second.
      expect(r, `scan ${i + 1}`).toMatchObject({ status: i === 0 ? 'not_compared' : 'completed_clean', openEvents: 0 });
      if (i === 0) expect(r!.reason).toMatch(/^policy '[^']+' not compared: first scan of self target/);
      expect(r!.counts!.entries).toBeGreaterThan(1000);
      expect(r!.warnings).toEqual([]);
      const events = (await call(engine, 'events/list', { status: 'all' })).events;
      expect(events.map((e) => `${e.policy}: ${e.change} ${e.path}`)).toEqual([]);
    }
  });

  it('shows exactly what changed on a tampered host', async () => {
    await other.writeFile('/etc/sudoers.d/zz-backdoor', 'nobody ALL=(ALL) NOPASSWD: ALL\n', 0o440);
    await other.sh('echo "PermitRootLogin yes" >> /etc/ssh/sshd_config && echo tampered > /etc/hostname && : > /etc/ld.so.preload');
    const [r] = await engine.scan({ servers: ['web'] });
    expect(r!.status).toBe('completed_with_findings');
    const events = (await call(engine, 'events/list', { status: 'open' })).events;
    const seen = events.map((e) => `${e.policy}: ${e.change} ${e.path}${e.critical ? ' (critical)' : ''}`).sort();
    const core = ['Linux core Debian-Ubuntu', 'Linux core RHEL', 'Linux core Alpine'];
    expect(seen).toEqual(
      [
        ...core.flatMap((p) => [
          `${p}: added /etc/sudoers.d/zz-backdoor (critical)`,
          `${p}: modified /etc/ssh/sshd_config (critical)`,
          `${p}: modified /etc/hostname`,
          // Alpine (musl) has no ld.so.preload; its loader path is /etc/ld-musl-ARCH.path.
          ...(p === 'Linux core Alpine' ? [] : [`${p}: added /etc/ld.so.preload (critical)`]),
        ]),
        'OpenSSH server: modified /etc/ssh/sshd_config (critical)',
      ].sort(),
    );
    // Configuration targets keep content: the change shows as a diff (what an alert email carries).
    const sshd = events.find((e) => e.path === '/etc/ssh/sshd_config' && e.policy === 'OpenSSH server')!;
    expect(sshd.attributes.find((a) => a.name === 'content')!.diff).toMatch(/\n\+PermitRootLogin yes(\n|$)/);
    const hostname = events.find((e) => e.path === '/etc/hostname')!;
    expect(hostname.attributes.map((a) => a.name)).toEqual(expect.arrayContaining(['size', 'sha256', 'mtime']));
  });
});
