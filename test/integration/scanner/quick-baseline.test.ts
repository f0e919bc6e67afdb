// A gold-master baseline's entries are the server's quick-scan reference without being written
// twice: the reference names the baseline (server_full_baselines); a full scan of every policy
// replaces it, and removing the baseline takes its entries out of the reference.
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { openEngine } from '../../../src/main/engine.js';
import { referenceOf } from '../../../src/main/scan/fidelity.js';
import { rm, tempDir } from './helpers.js';

const dir = tempDir();
afterAll(() => rm(dir));

describe('the baseline as the quick-scan reference', () => {
  it('is named, not copied; a full scan replaces it; removing the baseline drops it', async () => {
    const t = path.join(dir, 'tree');
    fs.mkdirSync(t);
    // More than a page of the paged reference reader (2,048 rows).
    for (let i = 0; i < 2100; i++) fs.writeFileSync(path.join(t, `f${i}`), `file ${i}\n`);
    const engine = openEngine({ home: path.join(dir, 'home') });
    try {
      const h = engine.handlers;
      const { db } = engine;
      await h['policies/add']({ name: 'p' });
      await h['policies/addTarget']({ policy: 'p', target: { path: t, depth: null } });
      await h['groups/add']({ name: 'g', policies: ['p'] });
      await h['servers/add']({ name: 'me', local: true, group: 'g' });
      const id = (db.prepare("SELECT id FROM servers WHERE name = 'me'").get() as { id: number }).id;
      const count = (table: string) => (db.prepare(`SELECT COUNT(*) AS n FROM ${table} WHERE server_id = ?`).get(id) as { n: number }).n;
      // Nothing is racy: the host clock of the full scan moved well past the files' times.
      const unracy = () => db.prepare('UPDATE server_full_scans SET host_time = ? WHERE server_id = ?').run(String(Math.floor(Date.now() / 1000) + 100), id);

      const b = await h['baselines/create']({ policy: 'p', servers: ['me'] });
      expect(b.failures).toEqual([]);
      expect(count('server_full_entries')).toBe(0);
      expect(count('server_full_baselines')).toBe(1);
      unracy();
      const f1 = path.join(t, 'f1');
      const sha = createHash('sha256').update(fs.readFileSync(f1)).digest('hex');
      expect(referenceOf(db, id)(f1)).toMatchObject({ type: 'file', sha256: sha, size: fs.statSync(f1).size });
      expect(referenceOf(db, id)(t)).toMatchObject({ type: 'directory' });
      const all = referenceOf(db, id);
      for (let i = 0; i < 2100; i++) expect(all(path.join(t, `f${i}`))?.sha256, `f${i}`).toBe(createHash('sha256').update(`file ${i}\n`).digest('hex'));

      const q = await h['scans/run']({ servers: ['me'], mode: 'quick' });
      expect(q.servers[0]).toMatchObject({ mode: 'quick', status: 'completed_clean' });

      // A second baseline adds to the reference; removing it takes its entries out again.
      const b2 = await h['baselines/create']({ policy: 'p', servers: ['me'] });
      expect(count('server_full_baselines')).toBe(2);
      await h['baselines/remove']({ id: b2.reports[0]!.baseline.id });
      expect(count('server_full_baselines')).toBe(1);
      await h['baselines/remove']({ id: b.reports[0]!.baseline.id });
      expect(count('server_full_baselines')).toBe(0);
      expect(referenceOf(db, id)(f1)).toBeUndefined();

      // A full scan of every policy writes the reference itself and names no baseline.
      await h['baselines/create']({ policy: 'p', servers: ['me'] });
      const full = await h['scans/run']({ servers: ['me'], mode: 'full' });
      expect(full.servers[0]).toMatchObject({ mode: 'full' });
      expect(count('server_full_baselines')).toBe(0);
      expect(count('server_full_entries')).toBe(2101);
      unracy();
      const again = referenceOf(db, id);
      for (let i = 0; i < 2100; i++) expect(again(path.join(t, `f${i}`))?.sha256, `f${i}`).toBe(createHash('sha256').update(`file ${i}\n`).digest('hex'));
    } finally {
      engine.close();
    }
  });
});
