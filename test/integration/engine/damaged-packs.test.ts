// A store whose pack BLOBs were damaged on disk (bytes flipped, a pack cut short) while SQLite's own
// integrity check still says ok: every scan that reads a damaged set fails alone, with a reason
// naming the set, its failure recorded and its lease given back; `store check` names what is
// damaged and exits 1; packs written before checksums (version 1) are still read, and checked by
// decoding them whole.
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeEach, describe, expect, it } from 'vitest';
import type { StoreCheck } from '../../../src/shared/api.js';
import { cli, ok, removeTemps, scanJson, tempDir, withStore } from './helpers.js';

afterAll(removeTemps);

type Table = 'baseline_packs' | 'self_packs' | 'server_full_packs';

/** The first pack of a table (of server `serverId` where the table is per server). */
function pack(home: string, table: Table, serverId?: number): { rowid: number; data: Buffer } {
  return withStore(home, (db) => {
    const where = serverId === undefined ? '' : 'WHERE server_id = ?';
    return db.prepare(`SELECT rowid, data FROM ${table} ${where} ORDER BY rowid LIMIT 1`).get(...(serverId === undefined ? [] : [serverId])) as { rowid: number; data: Buffer };
  });
}

function putPack(home: string, table: Table, rowid: number, data: Buffer): void {
  withStore(home, (db) => {
    db.prepare(`UPDATE ${table} SET data = ? WHERE rowid = ?`).run(data, rowid);
    expect(db.pragma('integrity_check', { simple: true })).toBe('ok');
  });
}

/** Flips 16 bytes in the middle of the pack (the entries, past its header). */
function flipMiddle(data: Buffer): Buffer {
  const out = Buffer.from(data);
  const at = Math.floor(out.length / 2);
  for (let i = at; i < at + 16; i++) out[i] = out[i]! ^ 0xff;
  return out;
}

/** The same pack as a version-1 pack (written before checksums): no CRC after the version byte. */
function asVersion1(data: Buffer): Buffer {
  expect(data[0]).toBe(2);
  return Buffer.concat([Buffer.from([1]), data.subarray(5)]);
}

const serverId = (home: string, name: string) => withStore(home, (db) => (db.prepare('SELECT id FROM servers WHERE name = ?').get(name) as { id: number }).id);
const locks = (home: string) => withStore(home, (db) => db.prepare('SELECT * FROM locks').all());
const failedScans = (home: string) => withStore(home, (db) => db.prepare("SELECT s.name, sc.kind, sc.reason FROM scans sc JOIN servers s ON s.id = sc.server_id WHERE sc.status = 'failed' ORDER BY sc.id").all() as { name: string; kind: string; reason: string }[]);

async function storeCheck(home: string): Promise<{ code: number; out: string; json: StoreCheck }> {
  const text = await cli(home, 'store', 'check');
  const j = await cli(home, 'store', 'check', '--json');
  expect(j.code).toBe(text.code);
  return { code: text.code, out: text.out, json: JSON.parse(j.out) as StoreCheck };
}

describe('damaged packs in the store', () => {
  let home: string;
  let root: string;

  beforeEach(async () => {
    const dir = tempDir();
    home = path.join(dir, 'home');
    root = path.join(dir, 'tree');
    fs.mkdirSync(path.join(root, 'master'), { recursive: true });
    fs.mkdirSync(path.join(root, 'self'), { recursive: true });
    for (let i = 0; i < 300; i++) fs.writeFileSync(path.join(root, 'master', `file-${String(i).padStart(3, '0')}`), `content ${i}\n`);
    for (let i = 0; i < 50; i++) fs.writeFileSync(path.join(root, 'self', `s-${i}`), `s ${i}\n`);
    await ok(home, 'policy', 'add', 'p');
    await ok(home, 'policy', 'target', 'add', 'p', path.join(root, 'master'), '--recursive');
    await ok(home, 'policy', 'target', 'add', 'p', path.join(root, 'self'), '--recursive', '--compare', 'self');
    await ok(home, 'group', 'add', 'g', '--policy', 'p');
    await ok(home, 'server', 'add', 'gold', '--local', '--group', 'g');
    await ok(home, 'server', 'add', 'other', '--local', '--group', 'g');
    await ok(home, 'baseline', 'p', '--server', 'gold');
    const first = await scanJson(home);
    // The first scan records the self targets' state (not_compared, issue 13); nothing is found.
    expect(first.json.servers.map((s) => s.status)).toEqual(['not_compared', 'not_compared']);
    expect(first.json.events).toEqual([]);
    const check = await storeCheck(home);
    expect(check.code).toBe(0);
    expect(check.json).toMatchObject({ ok: true, sqlite: [], withoutChecksum: 0, damaged: [] });
    expect(check.json.packs).toBeGreaterThanOrEqual(4); // the baseline, two self states, two last full scans
    expect(check.out).toMatch(/^store intact: SQLite integrity check ok, \d+ packs verified$/);
  });

  it('a baseline pack with flipped bytes: every scan comparing it fails naming it, leases released; store check names it', async () => {
    const { rowid, data } = pack(home, 'baseline_packs');
    putPack(home, 'baseline_packs', rowid, flipMiddle(data));

    const { code, json } = await scanJson(home);
    expect(code).toBe(2);
    const reason = /^baseline #1 of policy 'p' \(from gold\) is damaged in the store \(its pack from \/.*master: checksum mismatch \(stored [0-9a-f]{8}, computed [0-9a-f]{8}\)\); run driftwatch store check$/;
    for (const s of json.servers) {
      expect(s.status).toBe('failed');
      expect(s.reason).toMatch(reason);
    }
    expect(failedScans(home).map((f) => [f.name, f.kind])).toEqual([['gold', 'scan'], ['other', 'scan']]);
    expect(failedScans(home)[0]!.reason).toMatch(reason);
    expect(locks(home)).toEqual([]);

    const check = await storeCheck(home);
    expect(check.code).toBe(1);
    expect(check.json.ok).toBe(false);
    expect(check.json.sqlite).toEqual([]);
    expect(check.json.damaged).toEqual([{ kind: 'baseline', set: "baseline #1 of policy 'p' (from gold)", pack: path.join(root, 'master'), problem: expect.stringMatching(/^checksum mismatch/) }]);
    expect(check.out).toContain("baseline #1 of policy 'p' (from gold)");
    expect(check.out).toMatch(/store damaged: 1 of \d+ packs$/);

    // Put back, all is well again.
    putPack(home, 'baseline_packs', rowid, data);
    expect((await storeCheck(home)).code).toBe(0);
    expect((await scanJson(home)).json.servers.map((s) => s.status)).toEqual(['completed_clean', 'completed_clean']);
  });

  it("a server's self state damaged: that server's scan fails naming it, the other's completes", async () => {
    const { rowid, data } = pack(home, 'self_packs', serverId(home, 'other'));
    putPack(home, 'self_packs', rowid, flipMiddle(data));
    const { code, json } = await scanJson(home);
    expect(code).toBe(2);
    expect(json.servers.find((s) => s.name === 'gold')!.status).toBe('completed_clean');
    const other = json.servers.find((s) => s.name === 'other')!;
    expect(other.status).toBe('failed');
    expect(other.reason).toMatch(/^the self state of other for policy 'p' is damaged in the store \(its pack from \/.*self: checksum mismatch/);
    expect(locks(home)).toEqual([]);
    const check = await storeCheck(home);
    expect(check.code).toBe(1);
    expect(check.json.damaged.map((d) => [d.kind, d.set])).toEqual([['self', "the self state of other for policy 'p'"]]);
  });

  it("a quick scan's reference damaged: the quick scan fails naming it", async () => {
    const { rowid, data } = pack(home, 'server_full_packs', serverId(home, 'other'));
    putPack(home, 'server_full_packs', rowid, flipMiddle(data));
    const { code, json } = await scanJson(home, '--server', 'other', '--quick');
    expect(code).toBe(2);
    expect(json.servers[0]!.status).toBe('failed');
    expect(json.servers[0]!.reason).toMatch(/^the last full scan of other \(its quick-scan reference\) is damaged in the store \(its pack from \/.*: checksum mismatch/);
    expect(locks(home)).toEqual([]);
    expect((await storeCheck(home)).json.damaged.map((d) => d.kind)).toEqual(['reference']);
  });

  it('packs written before checksums are read, and checked by decoding them: one cut short is found and named', async () => {
    const { rowid, data } = pack(home, 'baseline_packs');
    const v1 = asVersion1(data);
    putPack(home, 'baseline_packs', rowid, v1);
    const intact = await storeCheck(home);
    expect(intact.code).toBe(0);
    expect(intact.json.withoutChecksum).toBe(1);
    expect(intact.out).toMatch(/\(1 written before checksums, checked by decoding them\)$/);
    expect((await scanJson(home)).json.servers.map((s) => s.status)).toEqual(['completed_clean', 'completed_clean']);

    putPack(home, 'baseline_packs', rowid, v1.subarray(0, v1.length - 40));
    const check = await storeCheck(home);
    expect(check.code).toBe(1);
    expect(check.json.damaged).toEqual([{ kind: 'baseline', set: "baseline #1 of policy 'p' (from gold)", pack: path.join(root, 'master'), problem: expect.stringMatching(/runs past the end of the pack|is damaged|cannot be decoded/) }]);
    const { json } = await scanJson(home, '--server', 'gold');
    expect(json.servers[0]!.status).toBe('failed');
    expect(json.servers[0]!.reason).toMatch(/^baseline #1 of policy 'p' \(from gold\) is damaged in the store/);
    expect(locks(home)).toEqual([]);
  });
});
