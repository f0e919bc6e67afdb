// Test-only seeding: N events in a real Driftwatch store. Inventory goes through the engine's own
// handlers; the events are written into the store's events table in one transaction (there is no
// API for making events without scanning N changed files).
// Usage: node --import tsx test/e2e/support/seed-events.ts HOME COUNT
import { openEngine } from '../../../src/main/engine/engine.js';
import { entryToJson } from '../../../src/main/store/entries.js';
import { byteString } from '../../../src/main/model/entry.js';

export async function seedEvents(home: string, count: number): Promise<void> {
  const engine = openEngine({ home });
  try {
    const h = engine.handlers;
    await h['groups/add']({ name: 'web' });
    await h['groups/add']({ name: 'db' });
    await h['policies/add']({ name: 'Linux core', description: 'seeded for the 100,000-event test' });
    await h['policies/addTarget']({ policy: 'Linux core', target: { path: '/etc', critical: true } });
    await h['groups/assign']({ name: 'web', policy: 'Linux core' });
    await h['groups/assign']({ name: 'db', policy: 'Linux core' });
    const servers = Array.from({ length: 20 }, (_, i) => `${i < 10 ? 'web' : 'db'}-${String(i + 1).padStart(2, '0')}`);
    for (const name of servers) {
      await h['servers/add']({ name, host: `${name}.example.internal`, group: name.startsWith('web') ? 'web' : 'db' });
    }
    const db = engine.db;
    const serverIds = servers.map((name) => (db.prepare('SELECT id FROM servers WHERE name = ?').get(name) as { id: number }).id);
    const policyId = (db.prepare("SELECT id FROM policies WHERE name = 'Linux core'").get() as { id: number }).id;
    const insert = db.prepare(
      `INSERT INTO events (server_id, policy_id, policy_name, path, change, compare, critical, alert, status, first_seen, last_seen,
       attributes_json, baseline_json, current_json) VALUES (?, ?, 'Linux core', ?, ?, 'master', ?, 0, 'open', ?, ?, ?, ?, ?)`,
    );
    const start = Date.parse('2026-10-01T00:00:00Z');
    const attrs = (size: number, mode: string, sha: string) => ({
      type: 'file' as const, mode, uid: 0, gid: 0, owner: 'root', group: 'root', size, mtime: '1790000000.000000000',
      ctime: '1790000000.000000000', inode: 1000, nlink: 1, device: null, target: null, sha256: sha,
    });
    db.transaction(() => {
      for (let i = 0; i < count; i++) {
        const path = `/etc/seeded/${String(Math.floor(i / 1000)).padStart(3, '0')}/file-${String(i).padStart(6, '0')}.conf`;
        const kind = i % 10 === 0 ? 'added' : i % 10 === 1 ? 'removed' : 'modified';
        const at = new Date(start + i * 60_000).toISOString();
        const before = attrs(100 + (i % 50), '0644', 'a'.repeat(64));
        const after = attrs(120 + (i % 50), i % 3 === 0 ? '0666' : '0644', 'b'.repeat(64));
        const changes =
          kind === 'modified'
            ? [{ name: 'size', baseline: before.size, current: after.size }, { name: 'sha256', baseline: before.sha256, current: after.sha256 }, ...(after.mode !== before.mode ? [{ name: 'mode', baseline: before.mode, current: after.mode }] : [])]
            : [];
        insert.run(
          serverIds[i % serverIds.length],
          policyId,
          Buffer.from(path, 'latin1'),
          kind,
          i % 4 === 0 ? 1 : 0,
          at,
          at,
          JSON.stringify(changes),
          kind === 'added' ? null : entryToJson({ path: byteString(path), attrs: before, error: null }),
          kind === 'removed' ? null : entryToJson({ path: byteString(path), attrs: after, error: null }),
        );
      }
    })();
  } finally {
    engine.close();
  }
}

if (process.argv[1] && /seed-events\.ts$/.test(process.argv[1])) {
  const [home, count] = process.argv.slice(2);
  if (!home || !count) {
    console.error('usage: seed-events.ts HOME COUNT');
    process.exit(2);
  }
  const t0 = Date.now();
  await seedEvents(home, Number(count));
  console.log(`seeded ${Number(count).toLocaleString('en-US')} events in ${Date.now() - t0} ms`);
}
