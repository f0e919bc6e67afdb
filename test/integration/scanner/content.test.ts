// Content of small text files: a target option, never on by default. The store keeps the text
// with secret lines masked; a modified event carries a unified diff, or says why it has none.
import fs from 'node:fs';
import path from 'node:path';
import Database from 'better-sqlite3';
import { describe, expect, it } from 'vitest';
import { loadBaseline } from '../../../src/main/baseline/baselines.js';
import { main } from '../../../src/main/cli/main.js';
import type { FimEvent } from '../../../src/shared/domain.js';
import { scan, scannerHosts, target, type Variant } from './helpers.js';
import { byteString } from '../../../src/main/model/entry.js';

let dir: string;
let variants: Record<string, Variant>;
scannerHosts((d, v) => ([dir, variants] = [d, v]));

async function cli(home: string, ...args: string[]): Promise<{ code: number; out: string; err: string }> {
  const out: string[] = [];
  const err: string[] = [];
  const code = await main(['--home', home, ...args], { out: (t) => out.push(t), err: (t) => err.push(t) });
  return { code, out: out.join('\n'), err: err.join('\n') };
}

function tree(t: string): void {
  fs.mkdirSync(t, { recursive: true });
  fs.writeFileSync(path.join(t, 'app.conf'), 'listen 80\ndb_password = hunter2\nworkers 4\n');
  fs.writeFileSync(path.join(t, 'blob.bin'), Buffer.from([1, 2, 0, 3]));
  fs.writeFileSync(path.join(t, 'big.txt'), 'x'.repeat(200) + '\n');
  fs.writeFileSync(path.join(t, 'empty'), '');
  fs.writeFileSync(path.join(t, 'no-newline'), 'last');
  fs.writeFileSync(path.join(t, 'latin1'), Buffer.from([0x63, 0x61, 0x66, 0xe9, 0x0a]));
}

describe.each(['dash', 'busybox', 'noprintf'])('kept content under %s', (name) => {
  it('text up to the limit, masked; binary and larger files say why', async () => {
    const t = path.join(dir, `c-${name}`);
    tree(t);
    fs.writeFileSync(path.join(t, 'new\nline.conf'), 'token=abc\nok\n');
    const c = await scan(variants[name]!, [target(t, { content: 100 })]);
    const get = (n: string) => c.entries.get(byteString(path.join(t, n)))!.attrs.content;
    expect(get('app.conf')).toEqual({ text: 'listen 80\n[masked: matches password]\nworkers 4\n', masked: 1 });
    expect(get('blob.bin')).toEqual({ skipped: 'binary' });
    expect(get('latin1')).toEqual({ skipped: 'binary' });
    expect(get('big.txt')).toEqual({ skipped: 'too large' });
    expect(get('empty')).toEqual({ text: '' });
    expect(get('no-newline')).toEqual({ text: 'last' });
    expect(get('new\nline.conf')).toEqual({ text: '[masked: matches token]\nok\n', masked: 1 });
    expect(c.entries.get(byteString(t))!.attrs.content).toBeUndefined();
  });

  it('never by default', async () => {
    const t = path.join(dir, `n-${name}`);
    tree(t);
    const c = await scan(variants[name]!, [target(t)]);
    for (const e of c.entries.values()) expect(e.attrs.content).toBeUndefined();
  });
});

describe('content events', () => {
  it('a modified event carries a unified diff; masked, binary and too-large changes say why; nothing secret is stored', async () => {
    const home = path.join(dir, 'home');
    const t = path.join(dir, 'etc');
    tree(t);
    for (const args of [
      ['policy', 'add', 'p'],
      ['policy', 'target', 'add', 'p', t, '--recursive', '--content', '--content-limit', '100', '--content-secret', 'password', '--content-secret', '^key='],
      ['group', 'add', 'g', '--policy', 'p'],
      ['server', 'add', 'me', '--local', '--group', 'g'],
      ['baseline', 'p', '--server', 'me'],
    ]) {
      const r = await cli(home, ...args);
      expect(r.code, `${args.join(' ')}: ${r.err}`).toBe(0);
    }
    expect((await cli(home, 'policy', 'show', 'p', '--json')).out).toContain('"content": 100');
    fs.writeFileSync(path.join(t, 'app.conf'), 'listen 8080\ndb_password = hunter3\nworkers 4\n');
    fs.writeFileSync(path.join(t, 'blob.bin'), Buffer.from([1, 2, 0, 4]));
    fs.writeFileSync(path.join(t, 'big.txt'), 'y'.repeat(200) + '\n');
    fs.writeFileSync(path.join(t, 'empty'), 'key=secret-value\n');
    const r = await cli(home, 'scan', '--json');
    const events = (JSON.parse(r.out) as { events: FimEvent[] }).events;
    const content = (n: string) => events.find((e) => e.path === path.join(t, n))!.attributes.find((a) => a.name === 'content')!;
    expect(content('app.conf').diff).toBe(['--- baseline', '+++ current', '@@ -1,3 +1,3 @@', '-listen 80', '+listen 8080', ' [masked: matches password]', ' workers 4'].join('\n'));
    expect(content('blob.bin').skipped).toBe('binary');
    expect(content('big.txt').skipped).toBe('too large');
    expect(content('empty').diff).toContain('+[masked: matches ^key=]');
    const shown = await cli(home, 'event', 'show', String(events.find((e) => e.path === path.join(t, 'app.conf'))!.id));
    expect(shown.out).toContain('+listen 8080');

    // Only the secret line changes (against the baseline): the change is reported, its diff is not.
    const creds = path.join(t, 'app.conf');
    fs.writeFileSync(creds, 'listen 80\ndb_password = hunter4\nworkers 4\n');
    const r2 = await cli(home, 'scan', '--json');
    const e2 = (JSON.parse(r2.out) as { events: FimEvent[] }).events.find((e) => e.path === creds)!;
    expect(e2.attributes.find((a) => a.name === 'content')!.skipped).toMatch(/^masked/);

    // No secret anywhere in the store.
    const db = fs.readFileSync(path.join(home, 'driftwatch.db'));
    const wal = fs.existsSync(path.join(home, 'driftwatch.db-wal')) ? fs.readFileSync(path.join(home, 'driftwatch.db-wal')) : Buffer.alloc(0);
    for (const secret of ['hunter2', 'hunter3', 'hunter4', 'secret-value']) {
      expect(db.includes(secret), secret).toBe(false);
      expect(wal.includes(secret), secret).toBe(false);
    }
    const conn = new Database(path.join(home, 'driftwatch.db'), { readonly: true });
    try {
      const ids = conn.prepare('SELECT id FROM baselines').pluck().all() as number[];
      const texts = ids.flatMap((id) => [...loadBaseline(conn, id).values()].map((e) => JSON.stringify(e.attrs.content ?? null)));
      expect(texts.some((x) => x.includes('[masked: matches password]'))).toBe(true);
    } finally {
      conn.close();
    }
  });

  it('the CLI refuses content options without --content, and bad patterns', async () => {
    const home = path.join(dir, 'home2');
    await cli(home, 'policy', 'add', 'p');
    expect((await cli(home, 'policy', 'target', 'add', 'p', '/etc', '--content-limit', '10')).code).toBe(2);
    const bad = await cli(home, 'policy', 'target', 'add', 'p', '/etc', '--content', '--content-secret', '(');
    expect(bad.code).toBe(1);
    expect(bad.err).toMatch(/not a valid regular expression/);
  });
});
