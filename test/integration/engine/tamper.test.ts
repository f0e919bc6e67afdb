// A real tree with every object type and awkward name, baselined and scanned through the CLI
// with the scanner under dash and under bash; then each kind of tampering, asserting the exact
// set of events and nothing else.
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeEach, describe, expect, it } from 'vitest';
import { byteStringFromDisplay, displayPath } from '../../../src/shared/path-escape.js';
import {
  ALL_BYTES,
  AWKWARD,
  BAD_NAME,
  LONG_DIRS,
  bytePath,
  cli,
  fakeShell,
  findings,
  makeTree,
  mkfifo,
  ok,
  removeTemps,
  rewriteKeepingMtime,
  scanJson,
  sha256,
  sh,
  SHELLS,
  standardSetup,
  tempDir,
  withStore,
  baselineEntries,
} from './helpers.js';
import { byteString } from '../../../src/main/model/entry.js';

afterAll(removeTemps);

describe.each(SHELLS)('scanner under %s', (shell) => {
  let home: string;
  let root: string;
  let count: number;

  beforeEach(async () => {
    const dir = tempDir();
    home = path.join(dir, 'home');
    root = path.join(dir, 'tree');
    fs.mkdirSync(root);
    count = makeTree(root);
    await standardSetup(home, root, shell);
  });

  const p = (name: string) => path.join(root, name);

  /** Scan, and return the findings; the scan must have completed. */
  async function scanFindings(expectedCode: 0 | 1) {
    const { code, json, err } = await scanJson(home);
    expect(json.servers.map((s) => [s.name, s.status, s.reason])).toEqual([['gold', expectedCode ? 'completed_with_findings' : 'completed_clean', undefined]]);
    expect(code, err).toBe(expectedCode);
    return findings(json.events);
  }

  it('baselines every object type and awkward name, and a scan right after is clean', async () => {
    const r = await cli(home, 'baseline', 'p', '--server', 'gold', '--json');
    expect(r.code).toBe(0);
    const report = JSON.parse(r.out) as { reports: { baseline: { entries: number }; targets: { path: string; state: string; entries: number; unreadable: string[] }[] }[]; failures: unknown[] };
    expect(report.failures).toEqual([]);
    expect(report.reports[0]!.baseline.entries).toBe(count);
    expect(report.reports[0]!.targets).toEqual([{ path: root, state: 'found', entries: count, unreadable: [] }]);

    // The text report counts them too.
    const text = await ok(home, 'baseline', 'p', '--server', 'gold');
    expect(text).toContain(`${count} entries`);
    expect(text).toMatch(new RegExp(`${root.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&')}\\s+found\\s+${count}\\s+0`));

    // The stored entries are exact: every name byte for byte, types, targets, devices, hashes.
    const rows = withStore(home, (db) => baselineEntries(db, 1)).map((e) => ({ path: e.path, ...e.attrs, target: e.attrs.target === null ? null : Buffer.from(e.attrs.target, 'latin1'), error: e.error }));
    const byName = new Map(rows.map((row) => [row.path, row]));
    const key = (name: string | Buffer) => (typeof name === 'string' ? Buffer.from(p(name)) : bytePath(root, name)).toString('latin1');
    expect(rows).toHaveLength(count);
    for (const name of ['a.txt', ...AWKWARD, BAD_NAME, Buffer.concat([Buffer.from('bytes/'), ALL_BYTES]), 'sub/deep/f', path.join('sub', ...LONG_DIRS, 'long.txt')]) {
      const row = byName.get(byteString(key(name)));
      expect(row, String(name)).toBeDefined();
      expect(row!.type).toBe('file');
      expect(row!.sha256).toBe(sha256(typeof name === 'string' ? p(name) : bytePath(root, name)));
      expect(row!.error).toBeNull();
    }
    const of = (name: string) => byName.get(byteString(key(name)))!;
    expect([of('sub').type, of('sub/deep').type, byName.get(byteString(Buffer.from(root).toString('latin1')))!.type]).toEqual(['directory', 'directory', 'directory']);
    expect(['link', 'dangling', 'loop1', 'loop2'].map((n) => [of(n).type, of(n).target?.toString()])).toEqual([
      ['symlink', 'a.txt'],
      ['symlink', 'nowhere'],
      ['symlink', 'loop2'],
      ['symlink', 'loop1'],
    ]);
    expect([of('fifo').type, of('sock').type, of('chr').type, of('chr').device, of('blk').type, of('blk').device]).toEqual(['fifo', 'socket', 'char', '1:3', 'block', '7:200']);
    for (const n of ['link', 'fifo', 'sock', 'chr', 'sub']) expect(of(n).sha256, n).toBeNull();

    expect(await scanFindings(0)).toEqual([]);
    expect((await cli(home, 'scan')).code).toBe(0);
  });

  it('a host without openssl hashes with sha256sum: the same exact hashes for every awkward name', async () => {
    const dir = path.dirname(root);
    const bin = path.join(dir, 'bin');
    fs.mkdirSync(bin);
    fakeShell(bin, 'openssl', 'exit 1'); // present but unusable: the scanner falls back to sha256sum
    const noSsl = fakeShell(dir, 'nossl', `PATH='${bin}':$PATH exec ${shell} "$@"`);
    await ok(home, 'server', 'add', 'nossl', '--local', '--shell', noSsl, '--group', 'g');
    const { code, json } = await scanJson(home, '--server', 'nossl');
    expect(json.events).toEqual([]);
    expect(code).toBe(0);
    for (const name of AWKWARD) fs.appendFileSync(p(name), 'x');
    const after = await scanJson(home, '--server', 'nossl');
    expect(findings(after.json.events).map((f) => f.path).sort()).toEqual(AWKWARD.map(p).sort());
    const facts = withStore(home, (db) => db.prepare("SELECT facts_json FROM server_preflight sp JOIN servers s ON s.id = sp.server_id WHERE s.name = 'nossl'").get()) as { facts_json: string };
    expect(JSON.parse(facts.facts_json)).toMatchObject({ hasher: 'sha256sum' });
  });

  it('content changed with the same size and mtime: modified [sha256]', async () => {
    rewriteKeepingMtime(p('a.txt'), 'HELLO\n');
    expect(await scanFindings(1)).toEqual([{ path: p('a.txt'), change: 'modified', attributes: ['sha256'] }]);
  });

  it('a quick scan (reusing hashes of unchanged files) still sees content changed with the same size and mtime', async () => {
    expect((await scanJson(home, '--full')).json.servers[0]!.mode).toBe('full');
    // As if the full scan had run a while ago: its entries are past the racy-clean window.
    withStore(home, (db) => db.prepare('UPDATE server_full_scans SET host_time = ?').run(String(Math.floor(Date.now() / 1000) + 3600)));
    rewriteKeepingMtime(p('a.txt'), 'HELLO\n');
    const { json } = await scanJson(home, '--quick');
    expect(json.servers[0]!.mode).toBe('quick');
    expect(findings(json.events)).toEqual([{ path: p('a.txt'), change: 'modified', attributes: ['sha256'] }]);
  });

  it('chmod u+s: modified [mode], 0644 → 4644', async () => {
    fs.chmodSync(p('a.txt'), 0o4644);
    const { json } = await scanJson(home);
    expect(findings(json.events)).toEqual([{ path: p('a.txt'), change: 'modified', attributes: ['mode'] }]);
    expect(json.events[0]!.attributes).toEqual([{ name: 'mode', baseline: '0644', current: '4644' }]);
  });

  it('chown: modified [gid, uid]', async () => {
    fs.chownSync(p('a.txt'), 4242, 4343);
    const { json } = await scanJson(home);
    expect(findings(json.events)).toEqual([{ path: p('a.txt'), change: 'modified', attributes: ['gid', 'uid'] }]);
    expect(json.events[0]!.attributes).toEqual([
      { name: 'uid', baseline: 0, current: 4242 },
      { name: 'gid', baseline: 0, current: 4343 },
    ]);
  });

  it('a file replaced by a symlink: modified, with type among the attributes', async () => {
    fs.rmSync(p('a.txt'));
    fs.symlinkSync('sub/deep/f', p('a.txt'));
    const f = await scanFindings(1);
    expect(f).toHaveLength(1);
    expect(f[0]!.path).toBe(p('a.txt'));
    expect(f[0]!.change).toBe('modified');
    expect(f[0]!.attributes).toContain('type');
    expect(f[0]!.attributes).toContain('target');
    const e = (await scanJson(home)).json.events[0]!;
    expect(e.attributes.find((a) => a.name === 'type')).toEqual({ name: 'type', baseline: 'file', current: 'symlink' });
  });

  it('a retargeted symlink: modified [target]', async () => {
    fs.rmSync(p('link'));
    fs.symlinkSync('sub/deep/f', p('link'));
    const { json } = await scanJson(home);
    expect(findings(json.events)).toEqual([{ path: p('link'), change: 'modified', attributes: ['target'] }]);
    expect(json.events[0]!.attributes).toEqual([{ name: 'target', baseline: 'a.txt', current: 'sub/deep/f' }]);
  });

  it('symlinks are never followed: changing what a link points to is not a change of the link', async () => {
    fs.rmSync(p('dangling'));
    fs.symlinkSync('nowhere', p('dangling'));
    fs.writeFileSync(p('nowhere'), 'now it exists\n');
    expect(await scanFindings(1)).toEqual([{ path: p('nowhere'), change: 'added', attributes: ['gid', 'mode', 'sha256', 'size', 'type', 'uid'] }]);
  });

  it('an added file: added; a removed file: removed', async () => {
    fs.writeFileSync(p('sub/new.txt'), 'new\n');
    fs.rmSync(p('sub/deep/f'));
    const { json } = await scanJson(home);
    expect(findings(json.events)).toEqual([
      { path: p('sub/deep/f'), change: 'removed', attributes: ['gid', 'mode', 'sha256', 'size', 'type', 'uid'] },
      { path: p('sub/new.txt'), change: 'added', attributes: ['gid', 'mode', 'sha256', 'size', 'type', 'uid'] },
    ]);
    const added = json.events.find((e) => e.change === 'added')!;
    expect(added.attributes.find((a) => a.name === 'sha256')).toEqual({ name: 'sha256', baseline: null, current: sha256(p('sub/new.txt')) });
    const removed = json.events.find((e) => e.change === 'removed')!;
    expect(removed.attributes.every((a) => a.current === null && a.baseline !== null)).toBe(true);
    expect(removed.currentEntry).toBeNull();
  });

  it('an added FIFO: added with type fifo', async () => {
    mkfifo(p('sub/pipe'));
    const { json } = await scanJson(home);
    expect(findings(json.events)).toEqual([{ path: p('sub/pipe'), change: 'added', attributes: ['gid', 'mode', 'size', 'type', 'uid'] }]);
    expect(json.events[0]!.attributes.find((a) => a.name === 'type')).toEqual({ name: 'type', baseline: null, current: 'fifo' });
  });

  it('each awkward-name file modified: reported with its exact name (escaped for the non-UTF-8 one)', async () => {
    for (const name of AWKWARD) fs.appendFileSync(p(name), 'tampered\n');
    fs.appendFileSync(bytePath(root, BAD_NAME), 'tampered\n');
    fs.appendFileSync(bytePath(p('bytes'), ALL_BYTES), 'tampered\n');
    const { code, json } = await scanJson(home);
    expect(code).toBe(1);
    const every = json.events.find((e) => e.path.startsWith(`${p('bytes')}/`))!;
    expect(every).toMatchObject({ change: 'modified', pathEscaped: true });
    expect(Buffer.from(byteStringFromDisplay(every.path, true), 'latin1')).toEqual(bytePath(p('bytes'), ALL_BYTES));
    json.events = json.events.filter((e) => e !== every);
    const escaped = displayPath(bytePath(root, BAD_NAME).toString('latin1'));
    expect(escaped).toEqual({ path: `${root}/bad\\xffbyte`, escaped: true });
    expect(findings(json.events)).toEqual(
      findings([
        ...AWKWARD.map((name) => ({ path: p(name), change: 'modified', attributes: [{ name: 'sha256' }, { name: 'size' }] })),
        { path: escaped.path, pathEscaped: true, change: 'modified', attributes: [{ name: 'sha256' }, { name: 'size' }] },
      ] as never),
    );
    // The escaped path leads back to the exact bytes.
    const bad = json.events.find((e) => e.pathEscaped)!;
    expect(Buffer.from(byteStringFromDisplay(bad.path, true), 'latin1')).toEqual(bytePath(root, BAD_NAME));
    for (const e of json.events.filter((x) => !x.pathEscaped)) expect(e.path in Object.fromEntries(AWKWARD.map((n) => [p(n), 1]))).toBe(true);
    // The human table shows control characters made visible, one event per line.
    const text = (await cli(home, 'events')).out.split('\n');
    expect(text).toHaveLength(1 + AWKWARD.length + 2);
    expect(text.some((l) => l.includes(`${root}/new\\nline`))).toBe(true);
    expect(text.some((l) => l.includes(`${root}/tab\\there`))).toBe(true);
  });

  it('a file renamed to an awkward name is one removal and one addition under the exact new name', async () => {
    const weird = 'x\n\t\\ -$(id)*?[\'"';
    fs.renameSync(p('a.txt'), p(weird));
    const f = await scanFindings(1);
    expect(f.map((x) => [x.path, x.change])).toEqual(
      [
        [p('a.txt'), 'removed'],
        [p(weird), 'added'],
      ].sort((a, b) => (a[0]! < b[0]! ? -1 : 1)),
    );
  });

  it('replacing the char device by another one: modified [device]', async () => {
    fs.rmSync(p('chr'));
    sh('mknod', p('chr'), 'c', '1', '5');
    const { json } = await scanJson(home);
    expect(findings(json.events)).toEqual([{ path: p('chr'), change: 'modified', attributes: ['device'] }]);
    expect(json.events[0]!.attributes).toEqual([{ name: 'device', baseline: '1:3', current: '1:5' }]);
  });

  it('symlink targets are compared as bytes: a literal "\\xff" and a 0xff byte are different targets', async () => {
    fs.rmSync(p('link'));
    fs.symlinkSync('x\\xff', p('link')); // x, backslash, x, f, f: valid UTF-8
    const first = await scanJson(home);
    expect(findings(first.json.events)).toEqual([{ path: p('link'), change: 'modified', attributes: ['target'] }]);
    await ok(home, 'accept', String(first.json.events[0]!.id), '--into-baseline');
    expect(await scanFindings(0)).toEqual([]);
    fs.rmSync(p('link'));
    fs.symlinkSync(Buffer.from([0x78, 0xff]), p('link')); // x, 0xff: displays as x\xff too
    expect(await scanFindings(1)).toEqual([{ path: p('link'), change: 'modified', attributes: ['target'] }]);
  });

  it('reverting a change resolves its event with no further action', async () => {
    fs.chmodSync(p('a.txt'), 0o600);
    expect(await scanFindings(1)).toHaveLength(1);
    fs.chmodSync(p('a.txt'), 0o644);
    expect(await scanFindings(0)).toEqual([]);
  });
});
