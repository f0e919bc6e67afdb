// Twenty real hosts scanned by one `driftwatch scan --all --concurrency 8`: the limit holds, on
// the console's side and on the hosts' side, and every host completes.
//
// Each server's --shell is a gate inside its host: it notes that its session started, then waits
// on a FIFO until the test lets it go. With every started session held, the test sees exactly how
// many run at once, and lets them go one by one: after k releases exactly 8 + k have started.
// The progress the CLI prints to a terminal (queued, running, completed_clean) is watched too.
import fs from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startFleet, type Fleet, type Host } from '../../fleet/fleet.js';
import { cliWith, makeAppTree, newHome, ok, policyAndGroup, removeHomes, until, type CliResult, type Transcript } from './helpers.js';

const HOSTS = 20;
const LIMIT = 8;
const GATE = '/usr/local/bin/dw-gate-sh';
const GATE_SCRIPT = `#!/bin/sh
: > /tmp/dw-started
read -r _ < /tmp/dw-gate
: > /tmp/dw-released
exec sh "$@"
`;

let fleet: Fleet;
let home: string;

beforeAll(async () => {
  fleet = await startFleet({ hosts: HOSTS });
  await Promise.all(
    fleet.hosts.map(async (h) => {
      await makeAppTree(h);
      await h.writeFile(GATE, GATE_SCRIPT, 0o755);
      await h.sh('mkfifo /tmp/dw-gate');
    }),
  );
  home = newHome();
  await policyAndGroup(home, '/srv/app', { group: 'fleet' });
  // The first host is also the gold master (through the plain shell, not the gate).
  await ok(home, 'server', 'add', 'gold', '--host', fleet.hosts[0]!.address, '--key', fleet.clientKey.privateKey, '--accept-new');
  await ok(home, 'baseline', 'p', '--server', 'gold');
  await ok(home, 'server', 'remove', 'gold', '--yes');
  for (const h of fleet.hosts) {
    await ok(home, 'server', 'add', h.name, '--host', h.address, '--key', fleet.clientKey.privateKey, '--group', 'fleet', '--shell', GATE);
    await ok(home, 'server', 'trust', h.name, '--fingerprint', h.hostKeyFingerprint);
  }
});
afterAll(async () => {
  await fleet?.stop();
  removeHomes();
});

const inHost = (h: Host, file: string): string => `/proc/${h.holderPid}/root/tmp/${file}`;
const started = (): Host[] => fleet.hosts.filter((h) => fs.existsSync(inHost(h, 'dw-started')));
const release = (h: Host): Promise<void> => fs.promises.writeFile(inHost(h, 'dw-gate'), 'go\n');

describe(`${HOSTS} hosts, --concurrency ${LIMIT}`, () => {
  it(`never runs more than ${LIMIT} sessions at once, and all complete`, async () => {
    // The CLI draws per-server progress on a terminal: give it one, and note each server's status
    // as it changes there ("  NAME: STATUS", in the order the view shows them).
    const tty = Object.getOwnPropertyDescriptor(process.stderr, 'isTTY');
    Object.defineProperty(process.stderr, 'isTTY', { value: true, configurable: true });
    const transcript: Transcript = [];
    const shown = new Map<string, string>();
    const terminal = {
      rows: 100,
      columns: 200,
      write(text: string) {
        for (const line of text.replace(/\x1b\[[0-9;]*[A-Za-z]/g, '').split(/[\r\n]/)) {
          const m = /^ {2}(\S+) {2}(queued|running|completed_clean|completed_with_findings|not_compared|failed)\b/.exec(line);
          if (m && shown.get(m[1]!) !== m[2]) {
            shown.set(m[1]!, m[2]!);
            transcript.push(`  ${m[1]}: ${m[2]}`);
          }
        }
      },
    };
    let scan: Promise<CliResult>;
    try {
      scan = cliWith(home, { terminal }, 'scan', '--all', '--concurrency', String(LIMIT));
      const progress = (status: string): string[] => transcript.filter((l) => l.endsWith(`: ${status}`)).map((l) => l.trim().split(':')[0]!);
      let peak = 0;
      const released = new Set<Host>();
      for (let k = 0; k <= HOSTS - LIMIT; k++) {
        // After k releases exactly LIMIT + k sessions have started; LIMIT of them are held.
        await until(() => started().length >= LIMIT + k, `${LIMIT + k} sessions to start`);
        expect(started()).toHaveLength(LIMIT + k); // and not one more: the others are still queued
        const held = started().filter((h) => !released.has(h));
        peak = Math.max(peak, held.length);
        expect(held).toHaveLength(LIMIT);
        expect(progress('running')).toHaveLength(LIMIT + k);
        if (k === 0) expect(progress('queued')).toHaveLength(HOSTS);
        // Let the oldest held one go; the limiter may then start exactly one more.
        const next = held[0]!;
        released.add(next);
        await release(next);
        await until(() => progress('completed_clean').includes(next.name), `${next.name} to complete`);
      }
      expect(started()).toHaveLength(HOSTS);
      for (const h of fleet.hosts.filter((x) => !released.has(x))) await release(h);
      expect(peak).toBe(LIMIT);
    } finally {
      if (tty) Object.defineProperty(process.stderr, 'isTTY', tty);
      else delete (process.stderr as { isTTY?: boolean }).isTTY;
    }
    const r = await scan;
    expect(r.code).toBe(0);
    // The table: one line per server, all clean.
    const rows = r.out.split('\n').slice(1).map((l) => l.split(/\s{2,}/));
    expect(rows.map((c) => c.slice(0, 3))).toEqual([...fleet.hosts].sort((a, b) => a.name.localeCompare(b.name)).map((h) => [h.name, 'completed_clean', '14 entries, +0 -0 ~0']));
    const servers = JSON.parse(await ok(home, 'server', 'list', '--json')) as { name: string; lastScan: { status: string } | null }[];
    expect(servers.map((s) => s.lastScan?.status)).toEqual(fleet.hosts.map(() => 'completed_clean'));
    // Each server went queued → running → completed_clean, in that order.
    for (const h of fleet.hosts) {
      expect(transcript.filter((l) => l.startsWith(`  ${h.name}: `)).map((l) => l.split(': ')[1])).toEqual(['queued', 'running', 'completed_clean']);
    }
    // Every host's sshd saw one scan session, through the gate.
    for (const h of fleet.hosts) expect(fs.existsSync(inHost(h, 'dw-released'))).toBe(true);
  });
});
