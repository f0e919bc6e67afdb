// Targets: overlapping targets (the most specific decides, each entry reported once), include and
// exclude patterns, depth, ignored attributes, missing targets, mounts, unreadable entries.
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeEach, describe, expect, it } from 'vitest';
import { baselineEntries, cli, fakeShell, findings, ok, removeTemps, scanJson, SHELLS, standardSetup, tempDir, withStore } from './helpers.js';

afterAll(removeTemps);

describe.each(SHELLS)('targets, scanner under %s', (shell) => {
  let dir: string;
  let home: string;
  let root: string;
  const p = (name: string) => path.join(root, name);
  const write = (name: string, content: string) => {
    fs.mkdirSync(path.dirname(p(name)), { recursive: true });
    fs.writeFileSync(p(name), content);
  };

  beforeEach(() => {
    dir = tempDir();
    home = path.join(dir, 'home');
    root = path.join(dir, 'tree');
    fs.mkdirSync(root);
  });

  it('overlapping targets: the most specific decides critical/alert/compare, and an entry is reported once', async () => {
    write('etc/plain.conf', 'a\n');
    write('etc/ssh/sshd_config', 'PermitRootLogin no\n');
    write('etc/ssh/keys/host_key', 'key\n');
    write('etc/log/app.log', 'line\n');
    await ok(home, 'policy', 'add', 'p');
    await ok(home, 'policy', 'target', 'add', 'p', p('etc'), '--recursive');
    await ok(home, 'policy', 'target', 'add', 'p', p('etc/ssh'), '--recursive', '--critical', '--alert');
    await ok(home, 'policy', 'target', 'add', 'p', p('etc/ssh/keys'), '--depth', '1');
    await ok(home, 'policy', 'target', 'add', 'p', p('etc/log'), '--recursive', '--compare', 'self');
    await ok(home, 'group', 'add', 'g', '--policy', 'p');
    await ok(home, 'server', 'add', 'gold', '--local', '--shell', shell, '--group', 'g');
    const report = JSON.parse(await ok(home, 'baseline', 'p', '--server', 'gold', '--json')) as { reports: { baseline: { entries: number }; targets: { path: string; entries: number }[] }[] };
    // etc: etc, plain.conf (ssh and log belong to their own targets) ; ssh: ssh, sshd_config ; keys: keys, host_key ; log: log, app.log
    expect(report.reports[0]!.targets.map((t) => [t.path, t.entries])).toEqual([
      [p('etc'), 2],
      [p('etc/log'), 2],
      [p('etc/ssh'), 2],
      [p('etc/ssh/keys'), 2],
    ]);
    expect(report.reports[0]!.baseline.entries).toBe(8);
    // Sets the self state of etc/log: that target is not compared by this scan (not_compared, exit 3).
    const first = await scanJson(home);
    expect(first.code).toBe(3);
    expect(first.json.servers[0]!.reason).toBe(`policy 'p' not compared: first scan of self target ${p('etc/log')}: this scan recorded the state the next scans compare with`);

    for (const f of ['etc/plain.conf', 'etc/ssh/sshd_config', 'etc/ssh/keys/host_key', 'etc/log/app.log']) fs.appendFileSync(p(f), 'more\n');
    const { json } = await scanJson(home);
    const flags = json.events.map((e) => [e.path, e.change, e.critical, e.alert]).sort();
    expect(flags).toEqual(
      [
        [p('etc/log/app.log'), 'modified', false, false],
        [p('etc/plain.conf'), 'modified', false, false],
        [p('etc/ssh/keys/host_key'), 'modified', false, false],
        [p('etc/ssh/sshd_config'), 'modified', true, true],
      ].sort(),
    );
    // compare self for etc/log: the times count there; not for the master targets.
    const byPath = Object.fromEntries(findings(json.events).map((f) => [f.path, f.attributes]));
    expect(byPath[p('etc/plain.conf')]).toEqual(['sha256', 'size']);
    expect(byPath[p('etc/log/app.log')]).toEqual(['ctime', 'mtime', 'sha256', 'size']);
    // Each entry once, even though the etc walk covers all of them.
    expect(new Set(json.events.map((e) => e.path)).size).toBe(json.events.length);

    // Below keys (depth 1), nothing is covered: the outer recursive target does not take over.
    write('etc/ssh/keys/sub/deeper', 'x\n');
    const deeper = await scanJson(home);
    expect(findings(deeper.json.events).map((f) => [f.path, f.change])).toContainEqual([p('etc/ssh/keys/sub'), 'added']);
    expect(deeper.json.events.map((e) => e.path)).not.toContain(p('etc/ssh/keys/sub/deeper'));
  });

  it('the same path in two policies: one event per policy', async () => {
    write('a.conf', 'a\n');
    await ok(home, 'policy', 'add', 'p1');
    await ok(home, 'policy', 'add', 'p2');
    await ok(home, 'policy', 'target', 'add', 'p1', root, '--recursive');
    await ok(home, 'policy', 'target', 'add', 'p2', root, '--recursive', '--critical');
    await ok(home, 'group', 'add', 'g', '--policy', 'p1', '--policy', 'p2');
    await ok(home, 'server', 'add', 'gold', '--local', '--shell', shell, '--group', 'g');
    await ok(home, 'baseline', 'p1', '--server', 'gold');
    await ok(home, 'baseline', 'p2', '--server', 'gold');
    fs.appendFileSync(p('a.conf'), 'b\n');
    const { json } = await scanJson(home);
    expect(json.events.map((e) => [e.policy, e.path, e.critical]).sort()).toEqual([
      ['p1', p('a.conf'), false],
      ['p2', p('a.conf'), true],
    ]);
  });

  it('include and exclude: exclude wins; a pattern without / matches the name, with / the path below the target', async () => {
    write('a.conf', '1\n');
    write('skip.conf', '1\n');
    write('notes.txt', '1\n');
    write('sub/b.conf', '1\n');
    write('sub/c.tmp', '1\n');
    write('cache/d.conf', '1\n');
    write('x/sub/e.conf', '1\n');
    await standardSetup(home, root, shell, {
      targetArgs: ['--recursive', '--include', '*.conf', '--exclude', 'skip.conf', '--exclude', 'cache', '--exclude', 'x/sub'],
    });
    const entries = withStore(home, (db) => baselineEntries(db).map((e) => Buffer.from(e.path, 'latin1').toString()).sort());
    expect(entries).toEqual([root, p('a.conf'), p('sub/b.conf')].sort());

    for (const f of ['skip.conf', 'notes.txt', 'sub/c.tmp', 'cache/d.conf', 'x/sub/e.conf']) fs.appendFileSync(p(f), 'changed\n');
    write('cache/new.conf', 'new\n');
    write('x/sub/new.conf', 'new\n');
    write('new.txt', 'new\n');
    expect((await scanJson(home)).json.events).toEqual([]);

    fs.appendFileSync(p('sub/b.conf'), 'changed\n');
    write('x/new.conf', 'new\n'); // x/ is not excluded, only x/sub
    const { json } = await scanJson(home);
    expect(findings(json.events).map((f) => [f.path, f.change])).toEqual([
      [p('sub/b.conf'), 'modified'],
      [p('x/new.conf'), 'added'],
    ]);
  });

  it('a target path with glob characters is taken literally, include filter and nesting included', async () => {
    const weird = path.join(root, 'a[b]*?\\');
    fs.mkdirSync(path.join(weird, 'inner[1]'), { recursive: true });
    fs.writeFileSync(path.join(weird, 'x.conf'), '1\n');
    fs.writeFileSync(path.join(weird, 'y.txt'), '1\n');
    fs.writeFileSync(path.join(weird, 'inner[1]/z.conf'), '1\n');
    fs.writeFileSync(path.join(weird, 'inner[1]/zz'), '1\n');
    await ok(home, 'policy', 'add', 'p');
    await ok(home, 'policy', 'target', 'add', 'p', weird, '--recursive', '--include', '*.conf');
    await ok(home, 'policy', 'target', 'add', 'p', path.join(weird, 'inner[1]'), '--recursive', '--critical');
    await ok(home, 'group', 'add', 'g', '--policy', 'p');
    await ok(home, 'server', 'add', 'gold', '--local', '--shell', shell, '--group', 'g');
    await ok(home, 'baseline', 'p', '--server', 'gold');
    const entries = withStore(home, (db) => baselineEntries(db).map((e) => Buffer.from(e.path, 'latin1').toString()).sort());
    expect(entries).toEqual([weird, path.join(weird, 'x.conf'), path.join(weird, 'inner[1]'), path.join(weird, 'inner[1]/z.conf'), path.join(weird, 'inner[1]/zz')].sort());
    expect((await scanJson(home)).code).toBe(0);
    fs.appendFileSync(path.join(weird, 'y.txt'), 'x\n');
    fs.appendFileSync(path.join(weird, 'inner[1]/zz'), 'x\n');
    const { json } = await scanJson(home);
    expect(json.events.map((e) => [e.path, e.critical])).toEqual([[path.join(weird, 'inner[1]/zz'), true]]);
  });

  it('excluded entries are not hashed: the hasher is never given them', async () => {
    write('ok.conf', 'ok\n');
    fs.mkdirSync(p('excluded'));
    fs.writeFileSync(p('excluded/big'), 'x');
    await standardSetup(home, root, shell, { targetArgs: ['--recursive', '--exclude', 'excluded'] });
    // A scanner whose hasher records every file it is given.
    const log = path.join(dir, 'hashed.log');
    const bin = path.join(dir, 'bin');
    fs.mkdirSync(bin);
    fakeShell(bin, 'openssl', `for a; do case $a in /*) printf '%s\\n' "$a" >> '${log}';; esac; done\nexec /usr/bin/openssl "$@"`);
    const logging = fakeShell(dir, 'logsh', `PATH='${bin}':$PATH exec ${shell} "$@"`);
    await ok(home, 'server', 'add', 'logged', '--local', '--shell', logging, '--group', 'g');
    const { code } = await scanJson(home, '--server', 'logged');
    expect(code).toBe(0);
    // Less the pre-flight's checks of the hasher (on /dev/null, and on "abc" through /dev/stdin).
    const hashed = fs.readFileSync(log, 'utf8').trim().split('\n').filter((l) => l !== '/dev/null' && l !== '/dev/stdin');
    expect(hashed).toEqual([p('ok.conf')]);
  });

  it('a change below a non-recursive (depth 1) target is not reported; depth N counts levels', async () => {
    write('top', '1\n');
    write('one/below', '1\n');
    write('one/two/three', '1\n');
    await standardSetup(home, root, shell, { targetArgs: ['--depth', '1'] });
    fs.appendFileSync(p('one/below'), 'x\n');
    fs.appendFileSync(p('one/two/three'), 'x\n');
    write('one/new', 'x\n');
    expect((await scanJson(home)).json.events).toEqual([]);
    fs.appendFileSync(p('top'), 'x\n');
    expect(findings((await scanJson(home)).json.events).map((f) => f.path)).toEqual([p('top')]);
  });

  it('depth 0 covers the target itself only', async () => {
    write('f', '1\n');
    await standardSetup(home, root, shell, { targetArgs: ['--depth', '0'] });
    fs.appendFileSync(p('f'), 'x\n');
    expect((await scanJson(home)).json.events).toEqual([]);
    fs.chmodSync(root, 0o700);
    expect(findings((await scanJson(home)).json.events)).toEqual([{ path: root, change: 'modified', attributes: ['mode'] }]);
  });

  it('--ignore mode suppresses mode changes only', async () => {
    write('f', '1\n');
    await standardSetup(home, root, shell, { targetArgs: ['--recursive', '--ignore', 'mode'] });
    fs.chmodSync(p('f'), 0o4777);
    expect((await scanJson(home)).json.events).toEqual([]);
    fs.chownSync(p('f'), 123, 0);
    expect(findings((await scanJson(home)).json.events)).toEqual([{ path: p('f'), change: 'modified', attributes: ['uid'] }]);
    const bad = await cli(home, 'policy', 'target', 'add', 'p', p('other'), '--ignore', 'mode,colour');
    expect(bad.code).not.toBe(0);
    expect(bad.err).toMatch(/unknown attribute 'colour'/);
  });

  it('the target kind is checked at scan time: a target that is a file, a symlink, a FIFO', async () => {
    write('file', 'x\n');
    fs.symlinkSync('file', p('link'));
    await ok(home, 'policy', 'add', 'p');
    for (const t of ['file', 'link']) await ok(home, 'policy', 'target', 'add', 'p', p(t), '--recursive');
    await ok(home, 'group', 'add', 'g', '--policy', 'p');
    await ok(home, 'server', 'add', 'gold', '--local', '--shell', shell, '--group', 'g');
    await ok(home, 'baseline', 'p', '--server', 'gold');
    // The link is recorded as a link (never followed), the file as a file.
    const types = withStore(home, (db) => baselineEntries(db));
    expect(types.map((t) => [t.path, t.attrs.type])).toEqual([
      [p('file'), 'file'],
      [p('link'), 'symlink'],
    ]);
    // A directory where the file was: modified [type ...]
    fs.rmSync(p('file'));
    fs.mkdirSync(p('file'));
    const f = findings((await scanJson(home)).json.events);
    expect(f.map((x) => [x.path, x.change])).toEqual([[p('file'), 'modified']]);
    expect(f[0]!.attributes).toContain('type');
  });

  it('a missing target is reported as missing (not an error), and disappearing is a removal', async () => {
    write('present/f', 'x\n');
    await ok(home, 'policy', 'add', 'p');
    await ok(home, 'policy', 'target', 'add', 'p', p('present'), '--recursive');
    await ok(home, 'policy', 'target', 'add', 'p', p('absent'), '--recursive');
    await ok(home, 'group', 'add', 'g', '--policy', 'p');
    await ok(home, 'server', 'add', 'gold', '--local', '--shell', shell, '--group', 'g');
    const r = await cli(home, 'baseline', 'p', '--server', 'gold', '--json');
    expect(r.code).toBe(0);
    const report = JSON.parse(r.out) as { reports: { targets: { path: string; state: string; entries: number }[] }[] };
    expect(report.reports[0]!.targets).toEqual([
      { path: p('absent'), state: 'missing', entries: 0, unreadable: [] },
      { path: p('present'), state: 'found', entries: 2, unreadable: [] },
    ]);
    expect((await ok(home, 'baseline', 'p', '--server', 'gold'))).toMatch(/absent\s+missing\s+0\s+0/);
    expect((await scanJson(home)).code).toBe(0);
    fs.rmSync(p('present'), { recursive: true });
    const { code, json } = await scanJson(home);
    expect(code).toBe(1);
    expect(json.servers[0]!.status).toBe('completed_with_findings');
    expect(findings(json.events).map((f) => [f.path, f.change])).toEqual([
      [p('present'), 'removed'],
      [p('present/f'), 'removed'],
    ]);
  });

  it('does not cross into another file system unless the target says so', async () => {
    write('f', 'x\n');
    fs.mkdirSync(p('mnt'));
    // The scanner runs in its own mount namespace with a tmpfs on tree/mnt holding one file.
    const mounting = fakeShell(dir, 'mountsh', `exec unshare -m sh -c 'mount -t tmpfs none "$0/mnt" && echo inner > "$0/mnt/inner" && exec ${shell} "$@"' '${root}' "$@"`);
    await ok(home, 'policy', 'add', 'p');
    await ok(home, 'policy', 'target', 'add', 'p', root, '--recursive');
    await ok(home, 'policy', 'add', 'p2');
    await ok(home, 'policy', 'target', 'add', 'p2', root, '--recursive', '--cross-mounts');
    await ok(home, 'group', 'add', 'g', '--policy', 'p', '--policy', 'p2');
    await ok(home, 'server', 'add', 'gold', '--local', '--shell', mounting, '--group', 'g');
    await ok(home, 'baseline', 'p', '--server', 'gold');
    await ok(home, 'baseline', 'p2', '--server', 'gold');
    const rows = withStore(home, (db) => baselineEntries(db));
    const of = (policy: number) => rows.filter((r) => r.policy === policy).map((r) => r.path).sort();
    expect(of(1)).toEqual([root, p('f'), p('mnt')]);
    expect(of(2)).toEqual([root, p('f'), p('mnt'), p('mnt/inner')]);
    expect(fs.existsSync(p('mnt/inner'))).toBe(false); // nothing leaked out of the namespace
  });

  it('unreadable entries are recorded with their error, never dropped (scanner run as nobody)', async () => {
    write('public', 'x\n');
    write('secret', 'x\n');
    write('closed/inside', 'x\n');
    fs.chmodSync(p('secret'), 0o600);
    fs.chmodSync(p('closed'), 0o700);
    const nobody = fakeShell(dir, 'nobodysh', `exec setpriv --reuid=65534 --regid=65534 --clear-groups ${shell} "$@"`);
    await standardSetup(home, root, nobody);
    const r = JSON.parse((await cli(home, 'baseline', 'p', '--server', 'gold', '--json')).out) as { reports: { targets: { entries: number; unreadable: string[] }[] }[] };
    expect(r.reports[0]!.targets[0]!.entries).toBe(4); // root, public, secret, closed (inside cannot be seen)
    expect(r.reports[0]!.targets[0]!.unreadable.sort()).toEqual([`${p('closed')}: Permission denied (directory not listable)`, `${p('secret')}: Permission denied`]);
    const text = await ok(home, 'baseline', 'p', '--server', 'gold');
    expect(text).toContain(`unreadable: ${p('secret')}: Permission denied`);
    const { code, json } = await scanJson(home);
    expect(code).toBe(0);
    expect(json.servers[0]!.counts!.unreadable).toBe(2);

    // Against a gold master that could read everything: the unreadable file is a deviation that
    // says why, and what sits below the unreadable folder is not called removed, but counted.
    await ok(home, 'server', 'add', 'root-gold', '--local', '--shell', shell, '--group', 'g');
    withStore(home, (db) => db.prepare('DELETE FROM baselines').run());
    await ok(home, 'baseline', 'p', '--server', 'root-gold');
    const vsRoot = await scanJson(home, '--server', 'gold');
    expect(vsRoot.json.events.map((e) => [e.path, e.change])).toEqual([[p('secret'), 'modified']]);
    const attrs = vsRoot.json.events[0]!.attributes as { name: string; notChecked?: string }[];
    expect(attrs.filter((a) => !a.notChecked).map((a) => a.name)).toEqual(['sha256']);
    // Attributes beyond stat(2) that nobody could not read are listed as not checked, not as changed.
    for (const a of attrs.filter((x) => x.notChecked)) expect(['xattrs', 'acl', 'caps', 'selinux', 'flags']).toContain(a.name);
    expect(vsRoot.json.events[0]!.error).toBe('Permission denied');
    expect(vsRoot.json.servers[0]!.warnings).toContain("policy 'p': 1 entries below unreadable directories were not checked");
  });
});
