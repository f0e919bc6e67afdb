// A session killed (or hung) in the middle of a scan, through the CLI on a real host: the scan
// of a large tree fails with the reason, and nothing of it is stored (baselines, events, earlier scans and
// the server's own state stay row for row as they were; only the failed scan record is added).
//
// Deterministic, no sleeps: the server's --shell is a wrapper inside the host. It either kills
// itself (the session's own process) once the first 16 KiB of the stream went out, or lets 16 KiB
// through, says so, and holds the rest back until the test has killed the scanner's sh from
// inside the host while it is blocked mid-stream.
import fs from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startFleet, type Fleet, type Host } from '../../fleet/fleet.js';
import { addServer, cli, eventsJson, GATE_PASSED, GATED_SHELL, makeBigTree, newHome, ok, openGate, PLAIN_SHELL, removeHomes, resultOf, scanJson, snapshot, until } from './helpers.js';

const FILES = 2000;
const PASSED = GATE_PASSED;
const WRAPPER = '/usr/local/bin/dw-sh';

/** Lets the first 16 KiB through, then SIGKILLs itself: the session's own process dies. */
const SELF_KILL = `#!/bin/bash
sh "$@" | { head -c ${PASSED}; kill -KILL $$; }
`;

let fleet: Fleet;
let host: Host;
let home: string;

beforeAll(async () => {
  fleet = await startFleet({ hosts: 1 });
  host = fleet.hosts[0]!;
  await makeBigTree(host, '/srv/big', FILES);
  await host.writeFile(WRAPPER, PLAIN_SHELL, 0o755);
  home = newHome();
  await ok(home, 'policy', 'add', 'p');
  await ok(home, 'policy', 'target', 'add', 'p', '/srv/big', '--recursive');
  await ok(home, 'policy', 'target', 'add', 'p', '/srv/big/d0', '--recursive', '--compare', 'self');
  await ok(home, 'group', 'add', 'g', '--policy', 'p');
  await addServer(home, fleet, host, { name: 'victim', group: 'g', shell: WRAPPER });
});
afterAll(async () => {
  await fleet?.stop();
  removeHomes();
});

/** Every table but the scan records (and the scan leases, taken and given back by every scan). */
const TABLES_BUT_SCANS = (): string[] => Object.keys(snapshot(home)).filter((t) => t !== 'scans' && t !== 'locks');

describe('a session killed mid-scan', () => {
  let scansBefore: unknown[];
  let restBefore: Record<string, unknown[]>;

  it('sets the scene: a baseline, a first scan, a tamper and a scan with findings', async () => {
    await ok(home, 'baseline', 'p', '--server', 'victim');
    // The first scan records the self target's state: not compared there yet.
    expect(resultOf((await scanJson(home)).json, 'victim').status).toBe('not_compared');
    await host.sh('echo tampered >> /srv/big/d3/f300 && rm /srv/big/d7/f700 && echo new > /srv/big/d0/new');
    const { code, json } = await scanJson(home);
    expect(code).toBe(1);
    expect(resultOf(json, 'victim')).toMatchObject({ status: 'completed_with_findings', counts: { entries: FILES + FILES / 100 + 1, added: 1, removed: 1, modified: 2 } });
    // More than the wrapper will let through, many times over: a kill after 16 KiB is mid-stream.
    expect(FILES * 64).toBeGreaterThan(4 * PASSED);
    scansBefore = snapshot(home, ['scans']).scans!;
    restBefore = snapshot(home, TABLES_BUT_SCANS());
    expect(restBefore.baselines).toHaveLength(1);
    expect(restBefore.events).toHaveLength(4); // d3/f300, d7/f700, d0/new and d0 itself (self: its mtime)
  });

  const expectNothingStored = async (reason: RegExp): Promise<void> => {
    const scans = snapshot(home, ['scans']).scans as { id: number; status: string; reason: string | null; counts_json: string }[];
    expect(scans.slice(0, scansBefore.length)).toEqual(scansBefore);
    expect(scans).toHaveLength(scansBefore.length + 1);
    const failed = scans[scans.length - 1]!;
    expect(failed.status).toBe('failed');
    expect(failed.reason).toMatch(reason);
    expect(JSON.parse(failed.counts_json)).toEqual({ entries: 0, added: 0, removed: 0, modified: 0, unreadable: 0 });
    expect(snapshot(home, TABLES_BUT_SCANS())).toEqual(restBefore);
    scansBefore = scans;
  };

  it('the session process killed by a signal: failed with that reason, nothing stored', async () => {
    await host.writeFile(WRAPPER, SELF_KILL, 0o755);
    const { code, json } = await scanJson(home);
    expect(code).toBe(2);
    expect(resultOf(json, 'victim')).toMatchObject({ status: 'failed', reason: 'the scan on victim was killed by signal SIGKILL' });
    // The open events of the earlier scan are still the open events.
    expect(json.events.map((e) => e.path).sort()).toEqual(['/srv/big/d0', '/srv/big/d0/new', '/srv/big/d3/f300', '/srv/big/d7/f700']);
    await expectNothingStored(/^the scan on victim was killed by signal SIGKILL$/);
  });

  it('the scanner\'s sh killed from inside the host while blocked mid-stream: failed with the reason, nothing stored', async () => {
    await host.sh('rm -f /tmp/dw-streaming /tmp/dw-sh.pid /tmp/dw-gate && mkfifo /tmp/dw-gate');
    await host.writeFile(WRAPPER, GATED_SHELL, 0o755);
    const root = `/proc/${host.holderPid}/root`;
    const running = cli(home, 'scan', '--json');
    await until(() => fs.existsSync(`${root}/tmp/dw-streaming`), 'the first 16 KiB to go out');
    const pid = fs.readFileSync(`${root}/tmp/dw-sh.pid`, 'utf8').trim();
    expect(fs.readFileSync(`/proc/${pid}/comm`, 'utf8').trim()).toBe('sh'); // the scanner's own shell, still running
    await host.sh(`kill -KILL ${pid}`);
    await openGate(host); // let the wrapper end
    const r = await running;
    expect(r.code).toBe(2);
    const json = JSON.parse(r.out) as Awaited<ReturnType<typeof scanJson>>['json'];
    const result = resultOf(json, 'victim');
    expect(result.status).toBe('failed');
    expect(result.reason).toMatch(/^scanner exited with status 137\b/);
    await expectNothingStored(/^scanner exited with status 137\b/);
  });

  it('a hung session (the host stops answering mid-stream) fails once keepalives go unanswered; nothing stored', async () => {
    // With the default keepalive (every 10 s, dead after 3 misses) this takes about 40 s.
    await host.sh('rm -f /tmp/dw-streaming /tmp/dw-sh.pid /tmp/dw-gate && mkfifo /tmp/dw-gate');
    await host.writeFile(WRAPPER, GATED_SHELL, 0o755);
    const running = cli(home, 'scan', '--json');
    await until(() => fs.existsSync(`/proc/${host.holderPid}/root/tmp/dw-streaming`), 'the first 16 KiB to go out');
    const frozen = host.processes().filter((p) => p.comm.startsWith('sshd'));
    expect(frozen.length).toBeGreaterThan(0);
    for (const p of frozen) process.kill(p.pid, 'SIGSTOP');
    let r: Awaited<typeof running>;
    try {
      r = await running;
    } finally {
      for (const p of frozen) process.kill(p.pid, 'SIGCONT');
      await openGate(host);
    }
    expect(r.code).toBe(2);
    const result = resultOf(JSON.parse(r.out) as Awaited<ReturnType<typeof scanJson>>['json'], 'victim');
    expect(result).toMatchObject({ status: 'failed', reason: 'connection to victim lost: no answer to keepalives for 40s' });
    await expectNothingStored(/^connection to victim lost: no answer to keepalives/);
  }, 180_000);

  it('the next scan works again and finds the same four open events (not new ones)', async () => {
    await host.writeFile(WRAPPER, PLAIN_SHELL, 0o755);
    const before = await eventsJson(home);
    const { code, json } = await scanJson(home);
    expect(code).toBe(1);
    expect(resultOf(json, 'victim').status).toBe('completed_with_findings');
    expect(json.events.map((e) => e.id).sort()).toEqual(before.map((e) => e.id).sort());
  });
});
