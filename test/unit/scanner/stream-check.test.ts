// The stream held to its plan and limits (stream-check.ts): pure logic on records as the parser
// emits them. The hostile-host integration tests send the same through real sshd hosts.
import { describe, expect, it } from 'vitest';
import { buildPlan } from '../../../src/main/scanner/plan.js';
import type { MetaRecord, ScanRecordEvent } from '../../../src/main/scanner/protocol.js';
import { MAX_FACTS, MAX_PATH_BYTES, pathDepth, StreamCheck } from '../../../src/main/scanner/stream-check.js';
import { policy, target } from '../../support/targets.js';
import { byteString } from '../../../src/main/model/entry.js';

const plan = buildPlan([policy('p', [target('/etc'), target('/srv/a b', { depth: 1 }), target('/')])]);
const entry = (t: number, path: string, over: Partial<MetaRecord> = {}): MetaRecord => ({
  kind: 'entry', target: t, path: byteString(path), type: 'file', mode: '0644', uid: 0, gid: 0, size: 1, mtime: '1.000000000', ctime: '1.000000000', inode: '1', nlink: 1, link: null, device: null, error: null, ...over,
});
const begin = (t: number): ScanRecordEvent => ({ kind: 'target', target: t, state: 'ok' });
const end = (t: number, status = 0): ScanRecordEvent => ({ kind: 'walk-end', target: t, status });

/** Feeds a full run's records; returns the failure message, or null. */
function run(records: ScanRecordEvent[], kind: 'full' | 'quick' | 'list' = 'full', limits?: { entries: number; bytes: number }): string | null {
  const c = new StreamCheck(plan, limits);
  try {
    c.run(kind);
    for (const r of records) c.record(r);
    c.finish();
    return null;
  } catch (err) {
    return (err as Error).message;
  }
}
const walked = (...middle: ScanRecordEvent[]): ScanRecordEvent[] => [begin(0), ...middle, end(0), begin(1), end(1), begin(2), end(2)];

describe('pathDepth', () => {
  const depth = (path: string, root: string) => pathDepth(Buffer.from(path, 'latin1'), 0, Buffer.byteLength(path, 'latin1'), Buffer.from(root, 'latin1'));
  it('counts components below the root', () => {
    expect(depth('/etc', '/etc')).toBe(0);
    expect(depth('/etc/ssh', '/etc')).toBe(1);
    expect(depth('/etc/ssh/sshd_config', '/etc')).toBe(2);
    expect(depth('/', '/')).toBe(0);
    expect(depth('/etc', '/')).toBe(1);
    expect(depth('/etc/a.b/..c/...', '/etc')).toBe(3);
  });
  it('refuses what is not a plain path under the root', () => {
    for (const bad of ['/etcx', '/et', '/etc/', '/etc//x', '/etc/./x', '/etc/../root/x', '/etc/x/..', '/etc/x/.', '/other', 'etc/x']) expect(depth(bad, '/etc'), bad).toBe(-1);
    expect(depth('//x', '/')).toBe(-1);
  });
});

describe('StreamCheck', () => {
  it('accepts a stream that walks what the plan asked, in order', () => {
    expect(run(walked(entry(0, '/etc'), entry(0, '/etc/passwd')))).toBeNull();
    // A missing root ends nothing.
    expect(run([begin(0), end(0), { kind: 'target', target: 1, state: 'missing' }, begin(2), end(2)])).toBeNull();
  });

  it('fails a stream that is only the version and the end record', () => {
    expect(run([])).toBe('the scanner never walked /etc (no walk record): the scan is incomplete');
  });

  it('fails a walk that began and never ended, or ended without beginning, or began twice', () => {
    expect(run([begin(0), entry(0, '/etc'), begin(1), end(1), begin(2), end(2)])).toBe('the walk of /etc never ended (no end record): the scan is incomplete');
    expect(run([end(0)])).toMatch(/walk 0 \(\/etc\) ended without having begun/);
    expect(run([begin(0), begin(0)])).toMatch(/walk 0 \(\/etc\) began twice/);
  });

  it('fails a walk whose find failed and found nothing (an out-of-range depth), not one that failed on some entries', () => {
    expect(run([begin(0), end(0, 1), begin(1), end(1), begin(2), end(2)])).toBe('the walk of /etc failed (find exited 1) and recorded nothing');
    expect(run(walked(entry(0, '/etc')).map((r) => (r.kind === 'walk-end' && r.target === 0 ? end(0, 1) : r)))).toBeNull();
  });

  it('fails entries outside the walk they claim, not plain, or deeper than its depth', () => {
    expect(run(walked(entry(0, '/etc/ssh/../../root/x')))).toBe("malformed scanner output: '/etc/ssh/../../root/x' is not a plain path under /etc, the walk it claims");
    expect(run(walked(entry(0, '/nonexistent/y')))).toMatch(/'\/nonexistent\/y' is not a plain path under \/etc/);
    expect(run(walked(entry(0, '/etc/ssh//double')))).toMatch(/is not a plain path/);
    expect(run([begin(0), end(0), begin(1), entry(1, '/srv/a b/c/d'), end(1), begin(2), end(2)])).toBe("malformed scanner output: '/srv/a b/c/d' lies deeper than its walk's depth 1");
    // Bytes that are not printable are shown escaped, a backslash too.
    expect(run(walked(entry(0, '/x\x1b[2J\\\x9b')))).toMatch(/^malformed scanner output: '\/x\\x1b\[2J\\x5c\\x9b' is not a plain path/);
    expect(run(walked(entry(0, `/etc/${'a'.repeat(MAX_PATH_BYTES)}`)))).toMatch(/a path longer than 4096 bytes \(PATH_MAX\)/);
    expect(run(walked(entry(0, '/etc/l', { type: 'symlink', link: byteString('x'.repeat(MAX_PATH_BYTES + 1)) })))).toMatch(/a symlink target longer than 4096 bytes/);
  });

  it('fails entries before their walk began or after it ended, and unknown walks', () => {
    expect(run([entry(0, '/etc')])).toMatch(/an entry of walk 0 \(\/etc\) outside that walk/);
    expect(run([begin(0), end(0), entry(0, '/etc')])).toMatch(/outside that walk/);
    expect(run([begin(7)])).toMatch(/unknown target 7/);
  });

  it('allows each run only the records of its mode', () => {
    expect(run([{ kind: 'hash', path: byteString('/etc/x'), sha256: 'a'.repeat(64) }], 'quick')).toBe("malformed scanner output: a quick run does not send 'hash' records");
    expect(run([begin(0)], 'list')).toBe("malformed scanner output: a list run does not send 'target' records");
    expect(run([entry(0, '/etc')], 'list')).toMatch(/a list run does not send 'entry' records/);
    expect(run([{ kind: 'hash', path: byteString('/etc/x'), sha256: 'a'.repeat(64) }], 'list')).toBeNull();
  });

  it('bounds entries, bytes, facts and names', () => {
    expect(run(walked(entry(0, '/etc'), entry(0, '/etc/a'), entry(0, '/etc/b')), 'full', { entries: 2, bytes: 1 << 20 })).toBe("the scan holds more than 2 entries, this server's limit (raise it with: driftwatch server settings NAME --max-entries N)");
    const c = new StreamCheck(plan, { entries: 10, bytes: 100 });
    c.run('full');
    c.received(60);
    expect(() => c.received(41)).toThrow('the scanner sent more than 100 bytes in one run (the limit)');
    const facts = Array.from({ length: MAX_FACTS + 1 }, (_, i): ScanRecordEvent => ({ kind: 'fact', key: `k${i}`, value: 'v' }));
    expect(run(facts)).toMatch(/more than 256 pre-flight facts/);
    expect(run([{ kind: 'fact', key: 'kernel', value: 'x'.repeat(5000) }])).toMatch(/a pre-flight fact longer than 4096 bytes/);
    expect(run([{ kind: 'user', id: 1, name: 'n'.repeat(300) }])).toMatch(/a user or group name longer than 256 bytes/);
  });
});
