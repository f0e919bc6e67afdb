// A gold-master baseline's entries are the server's quick-scan reference without being written
// twice: the reference names the baseline (server_full_baselines); a full scan of every policy
// replaces it, and removing the baseline takes its entries out of the reference.
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { openEngine } from '../../../src/main/engine/engine.js';
import { getPolicy } from '../../../src/main/policy/policies.js';
import { collect } from '../../../src/main/scan/collect.js';
import { referenceLookup, referenceOf } from '../../../src/main/scan/reference/stored-reference.js';
import { buildPlan } from '../../../src/main/scanner/plan.js';
import { LocalTransport } from '../../../src/main/transport/local.js';
import { rm, tempDir } from './helpers.js';

const dir = tempDir();
afterAll(() => rm(dir));

/** A tree of `files` small files under `name`, and an engine whose local server 'me' watches it with policy 'p'. */
async function localServer(name: string, files: number) {
  const t = path.join(dir, name);
  fs.mkdirSync(t);
  for (let i = 0; i < files; i++) fs.writeFileSync(path.join(t, `f${i}`), `file ${i}\n`);
  const engine = openEngine({ home: path.join(dir, `home-${name}`) });
  const h = engine.handlers;
  await h['policies/add']({ name: 'p' });
  await h['policies/addTarget']({ policy: 'p', target: { path: t, depth: null } });
  await h['groups/add']({ name: 'g', policies: ['p'] });
  await h['servers/add']({ name: 'me', local: true, group: 'g' });
  const id = (engine.db.prepare("SELECT id FROM servers WHERE name = 'me'").get() as { id: number }).id;
  return { t, engine, id };
}

describe('the baseline as the quick-scan reference', () => {
  it('is named, not copied; a full scan replaces it; removing the baseline drops it', async () => {
    // More than a page of the paged reference reader (2,048 rows).
    const { t, engine, id } = await localServer('tree', 2100);
    try {
      const h = engine.handlers;
      const { db } = engine;
      const count = (table: string) => (db.prepare(`SELECT COUNT(*) AS n FROM ${table} WHERE server_id = ?`).get(id) as { n: number }).n;
      // Entries of the server's own full-scan reference (in packs).
      const fullEntries = () => (db.prepare('SELECT COALESCE(SUM(entries), 0) AS n FROM server_full_packs WHERE server_id = ?').get(id) as { n: number }).n;
      // Nothing is racy: the host clock of the full scan moved well past the files' times.
      const unracy = () => db.prepare('UPDATE server_full_scans SET host_time = ? WHERE server_id = ?').run(String(Math.floor(Date.now() / 1000) + 100), id);

      const b = await h['baselines/create']({ policy: 'p', servers: ['me'] });
      expect(b.failures).toEqual([]);
      expect(fullEntries()).toBe(0);
      expect(count('server_full_baselines')).toBe(1);
      unracy();
      const f1 = path.join(t, 'f1');
      const sha = createHash('sha256').update(fs.readFileSync(f1)).digest('hex');
      expect(referenceLookup(db, id)(f1)).toMatchObject({ type: 'file', sha256: sha, size: fs.statSync(f1).size });
      expect(referenceLookup(db, id)(t)).toMatchObject({ type: 'directory' });
      const all = referenceLookup(db, id);
      for (let i = 0; i < 2100; i++) expect(all(path.join(t, `f${i}`))?.sha256, `f${i}`).toBe(createHash('sha256').update(`file ${i}\n`).digest('hex'));

      const q = await h['scans/run']({ servers: ['me'], mode: 'quick' });
      expect(q.servers[0]).toMatchObject({ mode: 'quick', status: 'completed_clean' });

      // A second baseline (beside the first) adds to the reference; removing it takes its entries out again.
      const b2 = await h['baselines/create']({ policy: 'p', servers: ['me'], add: true });
      expect(count('server_full_baselines')).toBe(2);
      await h['baselines/remove']({ id: b2.reports[0]!.baseline.id });
      expect(count('server_full_baselines')).toBe(1);
      await h['baselines/remove']({ id: b.reports[0]!.baseline.id });
      expect(count('server_full_baselines')).toBe(0);
      expect(referenceLookup(db, id)(f1)).toBeUndefined();

      // A full scan of every policy writes the reference itself and names no baseline.
      await h['baselines/create']({ policy: 'p', servers: ['me'] });
      const full = await h['scans/run']({ servers: ['me'], mode: 'full' });
      expect(full.servers[0]).toMatchObject({ mode: 'full' });
      expect(count('server_full_baselines')).toBe(0);
      expect(fullEntries()).toBe(2101);
      unracy();
      const again = referenceLookup(db, id);
      for (let i = 0; i < 2100; i++) expect(again(path.join(t, `f${i}`))?.sha256, `f${i}`).toBe(createHash('sha256').update(`file ${i}\n`).digest('hex'));
    } finally {
      engine.close();
    }
  });

  it('a quick scan compares the baseline it reuses while reading it, with the verdict of a full scan', async () => {
    const { t, engine, id } = await localServer('twins', 300);
    try {
      const h = engine.handlers;
      const { db } = engine;
      const b = await h['baselines/create']({ policy: 'p', servers: ['me'] });
      const baselineId = b.reports[0]!.baseline.id;
      db.prepare('UPDATE server_full_scans SET host_time = ? WHERE server_id = ?').run(String(Math.floor(Date.now() / 1000) + 100), id);
      const policy = getPolicy(db, 'p');
      const quickCollect = () => collect(new LocalTransport(), buildPlan([policy]), { reference: referenceOf(db, id, [policy]) });

      // Unchanged: every entry equal to the baseline's, nothing of it made.
      const same = await quickCollect();
      const twins = same.twins?.get(baselineId);
      expect(twins?.policyIndex).toBe(0);
      expect(twins!.rows.reduce((n, x) => n + x, 0)).toBe(301);
      expect(twins!.leftovers).toEqual([]);
      expect((await h['scans/run']({ servers: ['me'], mode: 'quick' })).servers[0]).toMatchObject({ mode: 'quick', status: 'completed_clean', counts: { entries: 301, added: 0, removed: 0, modified: 0 } });

      // Changed: only what moved is made (and read again), and the verdict is a full scan's (the
      // directory moved too, but a master target does not compare its times).
      fs.appendFileSync(path.join(t, 'f1'), 'more\n');
      fs.chmodSync(path.join(t, 'f2'), 0o600);
      fs.rmSync(path.join(t, 'f3'));
      fs.writeFileSync(path.join(t, 'new'), 'new\n');
      const moved = await quickCollect();
      expect(moved.hashed).toBe(3);
      expect(moved.twins!.get(baselineId)!.leftovers.map((e) => path.relative(t, e.path)).sort()).toEqual(['', 'f1', 'f2', 'f3']);
      const quick = await h['scans/run']({ servers: ['me'], mode: 'quick' });
      expect(quick.servers[0]).toMatchObject({ mode: 'quick', counts: { added: 1, removed: 1, modified: 2 } });
      const events = async () => (await h['events/list']({ status: 'open' })).events.map((e) => [e.path, e.change, e.attributes.map((a) => a.name).sort()]).sort();
      const afterQuick = await events();
      const full = await h['scans/run']({ servers: ['me'], mode: 'full' });
      expect(full.servers[0]).toMatchObject({ mode: 'full', counts: { added: 1, removed: 1, modified: 2 } });
      expect(await events()).toEqual(afterQuick);
      expect(afterQuick.map(([p, c]) => [path.relative(t, p as string), c])).toEqual([['f1', 'modified'], ['f2', 'modified'], ['f3', 'removed'], ['new', 'added']]);

      // Two more baselines after that full scan: the reference is that scan's entries and both
      // baselines (the last one decides what is reused; the one before is compared with rows it
      // did not decide, on every attribute). The first baseline is no longer in the reference: the
      // evaluation reads it. Three baselines compared; a quick scan still gives a full scan's verdict.
      const b2 = (await h['baselines/create']({ policy: 'p', servers: ['me'], add: true })).reports[0]!.baseline.id;
      const b3 = (await h['baselines/create']({ policy: 'p', servers: ['me'], add: true })).reports[0]!.baseline.id;
      db.prepare('UPDATE server_full_scans SET host_time = ? WHERE server_id = ?').run(String(Math.floor(Date.now() / 1000) + 100), id);
      fs.appendFileSync(path.join(t, 'f4'), 'more\n');
      const both = await quickCollect();
      expect(both.hashed).toBe(1);
      expect([...both.twins!.keys()].sort()).toEqual([b2, b3]);
      for (const b of [b2, b3]) {
        expect(both.twins!.get(b)!.leftovers.map((e) => path.relative(t, e.path))).toEqual(['f4']);
        expect(both.twins!.get(b)!.rows.reduce((n, x) => n + x, 0)).toBe(300);
      }
      const quick2 = await h['scans/run']({ servers: ['me'], mode: 'quick' });
      const afterQuick2 = await events();
      const full2 = await h['scans/run']({ servers: ['me'], mode: 'full' });
      expect(quick2.servers[0]!.counts).toEqual(full2.servers[0]!.counts);
      expect(quick2.servers[0]!.counts).toMatchObject({ added: 0, removed: 0, modified: 1 });
      expect(await events()).toEqual(afterQuick2);
    } finally {
      engine.close();
    }
  });
});
