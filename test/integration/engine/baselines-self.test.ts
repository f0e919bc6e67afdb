// compare self (a host against its own accepted state) and gold-master baselines: several at
// once, and expiry.
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeEach, describe, expect, it } from 'vitest';
import { cli, findings, ok, removeTemps, scanJson, sh, SHELLS, standardSetup, tempDir, withStore } from './helpers.js';

afterAll(removeTemps);

describe.each(SHELLS)('compare self, scanner under %s', (shell) => {
  let home: string;
  let root: string;
  const p = (name: string) => path.join(root, name);

  beforeEach(async () => {
    const dir = tempDir();
    home = path.join(dir, 'home');
    root = path.join(dir, 'tree');
    fs.mkdirSync(path.join(root, 'self'), { recursive: true });
    fs.mkdirSync(path.join(root, 'master'), { recursive: true });
    for (const d of ['self', 'master']) fs.writeFileSync(p(`${d}/f`), 'content\n');
    await ok(home, 'policy', 'add', 'p');
    await ok(home, 'policy', 'target', 'add', 'p', p('self'), '--recursive', '--compare', 'self');
    await ok(home, 'policy', 'target', 'add', 'p', p('master'), '--recursive');
    await ok(home, 'group', 'add', 'g', '--policy', 'p');
    await ok(home, 'server', 'add', 'host', '--local', '--shell', shell, '--group', 'g');
    await ok(home, 'baseline', 'p', '--server', 'host');
  });

  it('the first scan sets the state (no events, not compared); touch is modified [mtime, ctime] on self targets only', async () => {
    const first = await scanJson(home);
    // The scan that records a self target's state compares nothing there: not clean, exit 3.
    expect(first.code).toBe(3);
    expect(first.json.servers[0]!.status).toBe('not_compared');
    expect(first.json.servers[0]!.reason).toBe(`policy 'p' not compared: first scan of self target ${p('self')}: this scan recorded the state the next scans compare with`);
    expect(first.json.events).toEqual([]);
    expect(withStore(home, (db) => (db.prepare('SELECT COALESCE(SUM(entries), 0) AS n FROM self_packs').get() as { n: number }).n)).toBe(2);

    sh('touch', '-d', '2001-02-03 04:05:06', p('self/f'), p('master/f'));
    const second = await scanJson(home);
    expect(second.code).toBe(1);
    expect(findings(second.json.events)).toEqual([{ path: p('self/f'), change: 'modified', attributes: ['ctime', 'mtime'] }]);
    const mtime = second.json.events[0]!.attributes.find((a) => a.name === 'mtime')!;
    expect(String(mtime.current)).toMatch(/^981173106(\.0+)?$/);
  });

  it('self: an added file is added, and the parent directory changes its times; accepting takes the new state', async () => {
    await scanJson(home);
    fs.writeFileSync(p('self/g'), 'g\n');
    const { json } = await scanJson(home);
    const f = findings(json.events);
    expect(f.map((x) => [x.path, x.change])).toEqual([
      [p('self'), 'modified'],
      [p('self/g'), 'added'],
    ]);
    expect(f[0]!.attributes).toEqual(expect.arrayContaining(['mtime', 'ctime']));
    await ok(home, 'accept', ...json.events.map((e) => String(e.id)));
    const after = await scanJson(home);
    expect(after.code).toBe(0);
    expect(after.json.events).toEqual([]);
  });
});

describe.each(SHELLS)('several baselines and expiry, scanner under %s', (shell) => {
  let home: string;
  let root: string;
  const p = (name: string) => path.join(root, name);

  beforeEach(async () => {
    const dir = tempDir();
    home = path.join(dir, 'home');
    root = path.join(dir, 'tree');
    fs.mkdirSync(root);
    fs.writeFileSync(p('app.conf'), 'version=1\n');
    fs.writeFileSync(p('only-in-v1'), 'x\n');
    await standardSetup(home, root, shell); // baseline #1: version 1
    fs.writeFileSync(p('app.conf'), 'version=2\n');
    fs.rmSync(p('only-in-v1'));
    await ok(home, 'baseline', 'p', '--server', 'gold', '--add', '--comment', 'release 2'); // baseline #2 beside #1: version 2
  });

  it('an entry matching any active baseline is clean', async () => {
    expect((await scanJson(home)).code).toBe(0); // matches #2
    fs.writeFileSync(p('app.conf'), 'version=1\n');
    fs.writeFileSync(p('only-in-v1'), 'x\n');
    expect((await scanJson(home)).code).toBe(0); // matches #1
    fs.writeFileSync(p('app.conf'), 'version=3\n');
    const { code, json } = await scanJson(home);
    expect(code).toBe(1);
    expect(findings(json.events)).toEqual([{ path: p('app.conf'), change: 'modified', attributes: ['sha256'] }]);
  });

  it('an expired baseline is not used, and the scan says so plainly', async () => {
    const list = JSON.parse(await ok(home, 'baselines', '--json')) as { id: number; expired: boolean; comment: string }[];
    expect(list.map((b) => [b.id, b.expired, b.comment])).toEqual([
      [1, false, ''],
      [2, false, 'release 2'],
    ]);
    // The API refuses a past expiry, so expire baseline #2 in the store itself.
    const refused = await cli(home, 'baseline', 'p', '--server', 'gold', '--expires', '2000-01-01');
    expect(refused.code).not.toBe(0);
    expect(refused.err).toMatch(/not in the future/);
    withStore(home, (db) => db.prepare("UPDATE baselines SET expires_at = '2020-01-01T00:00:00.000Z' WHERE id = 2").run());

    const r = await cli(home, 'scan');
    expect(r.code).toBe(1);
    expect(r.err).toContain("warning: gold: policy 'p': baseline #2 from gold expired on 2020-01-01 and was not used");
    const { json } = await scanJson(home);
    expect(json.servers[0]!.warnings).toEqual(["policy 'p': baseline #2 from gold expired on 2020-01-01 and was not used"]);
    // Judged by #1 (version 1) alone.
    expect(findings(json.events)).toEqual([
      { path: p('app.conf'), change: 'modified', attributes: ['sha256'] },
      { path: p('only-in-v1'), change: 'removed', attributes: ['gid', 'mode', 'sha256', 'size', 'type', 'uid'] },
    ]);
    expect((await ok(home, 'baselines')).split('\n')[2]).toMatch(/expired 2020-01-01\s+\S+\s+2020-01-01/);

    // With every baseline expired, master targets are not compared at all: the scan is not_compared
    // (exit 3, not clean), with the reason.
    withStore(home, (db) => db.prepare("UPDATE baselines SET expires_at = '2020-01-01T00:00:00.000Z'").run());
    const none = await scanJson(home);
    expect(none.code).toBe(3);
    expect(none.json.events).toEqual([]);
    expect(none.json.servers[0]!.status).toBe('not_compared');
    expect(none.json.servers[0]!.reason).toBe(
      "policy 'p' not compared: every baseline has expired (2, the last on 2020-01-01), so its master targets were not compared (take one: driftwatch baseline p --server GOLD-MASTER)",
    );
  });

  it('a future expiry is kept and the baseline is used until then', async () => {
    const out = await ok(home, 'baseline', 'p', '--server', 'gold', '--expires', '2999-12-31', '--comment', 'long');
    expect(out).toContain('expires 2999-12-31');
    const bad = await cli(home, 'baseline', 'p', '--server', 'gold', '--expires', 'tomorrow');
    expect(bad.code).not.toBe(0);
    expect(bad.err).toMatch(/YYYY-MM-DD/);
    expect((await scanJson(home)).json.servers[0]!.warnings).toEqual([]);
  });
});
