// The test fleet's readOnlyBinds: a host reads a real directory as this machine does (no
// overlay), over SSH too, cannot write it, and nothing of it shows outside the host. Bad paths
// are refused before anything starts.
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, readFileSync, statSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FLEET_ROOT } from '../../fleet/alloc.js';
import { startFleet, type Fleet, type Host } from '../../fleet/fleet.js';
import { collect, keyEndpoint, transports } from './helpers.js';

const DIR = '/usr/share';
// Any non-empty regular file directly below a directory of DIR.
const FILE = execFileSync('find', [DIR, '-mindepth', '2', '-maxdepth', '2', '-type', 'f', '-size', '+0', '-print', '-quit']).toString().trim();
const sha = (b: Buffer): string => createHash('sha256').update(b).digest('hex');
// Mount points of this (the real) mount namespace at or below DIR or the fleet's runs.
const realMounts = (): string[] =>
  readFileSync('/proc/self/mountinfo', 'utf8')
    .split('\n')
    .map((l) => l.split(' ')[4] ?? '')
    .filter((m) => m === DIR || m.startsWith(`${DIR}/`) || m.startsWith(FLEET_ROOT));

let fleet: Fleet;
let bound: Host;
let plain: Host;
let mountsBefore: string[];
const { transport, closeTransports } = transports();

beforeAll(async () => {
  mountsBefore = realMounts();
  fleet = await startFleet({ hosts: [{ name: 'bound', readOnlyBinds: [DIR] }, { name: 'plain' }] });
  [bound, plain] = fleet.hosts as [Host, Host];
});
afterAll(async () => {
  closeTransports();
  await fleet?.stop();
});

describe('fleet host readOnlyBinds', () => {
  it('shows the real directory, not the overlay, in that host only', async () => {
    expect(FILE).not.toBe('');
    const fsType = (p: string): string => execFileSync('stat', ['-f', '-c', '%T', p]).toString().trim();
    expect((await bound.sh(`stat -f -c %T '${FILE}'`)).trim()).toBe(fsType(FILE));
    expect((await bound.sh(`stat -c %d '${DIR}'`)).trim()).toBe(String(statSync(DIR).dev));
    expect((await plain.sh(`stat -f -c %T '${FILE}'`)).trim()).toBe('overlayfs');
    expect(sha(await bound.readFile(FILE))).toBe(sha(readFileSync(FILE)));
    // Over SSH, as the scanner reads it.
    const r = await collect(await transport(keyEndpoint(fleet, bound)).runScript('sha256sum < "$1"', [FILE]));
    expect(r.text.split(' ')[0]).toBe(sha(readFileSync(FILE)));
  });

  it('cannot be written inside the host, and the real system is untouched', async () => {
    const marker = `${DIR}/driftwatch-bind-${process.pid}-${Date.now()}`;
    const before = sha(readFileSync(FILE));
    for (const cmd of [`touch '${marker}'`, `echo tampered >> '${FILE}'`, `chmod 600 '${FILE}'`]) {
      const r = await bound.exec(cmd);
      expect(r.code).not.toBe(0);
      expect(r.stderr).toMatch(/read-only file system/i);
    }
    expect(existsSync(marker)).toBe(false);
    expect(sha(readFileSync(FILE))).toBe(before);
    // The mount lives in the host's namespace only.
    expect(realMounts()).toEqual(mountsBefore);
    expect(await bound.sh(`awk '$5 == "${DIR}" { print $6 }' /proc/self/mountinfo`)).toMatch(/^ro,/);
  });

  it('refuses bad paths with a clear error before starting anything', async () => {
    const cases: [string, RegExp][] = [
      ['usr/share', /"usr\/share" is not an absolute path/],
      ['/', /"\/" is \/ itself/],
      ['/etc', /"\/etc" overlaps the host's own \/etc \(its sshd config and accounts/],
      ['/etc/ssh', /"\/etc\/ssh" overlaps the host's own \/etc/],
      ['/tmp', /"\/tmp" overlaps the host's own \/tmp/],
      ['/usr/share/../share', /is not canonical: it resolves to \/usr\/share/],
      [`/nonexistent-${process.pid}`, /does not exist/],
      [FILE, /is not a directory/],
    ];
    for (const [dir, message] of cases) {
      await expect(startFleet({ hosts: [{ readOnlyBinds: [dir] }] })).rejects.toThrow(message);
    }
  });
});
