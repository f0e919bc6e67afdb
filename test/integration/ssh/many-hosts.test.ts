// Twenty real hosts, eight connections at a time: the fleet starts fast and the transport
// keeps up.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SshTransport } from '../../../src/main/transport/ssh.js';
import { startFleet, type Fleet } from '../../fleet/fleet.js';
import { collect, keyEndpoint } from './helpers.js';

const HOSTS = 20;
const AT_ONCE = 8;
let fleet: Fleet;
let startMs = 0;

beforeAll(async () => {
  const started = Date.now();
  fleet = await startFleet({ hosts: HOSTS });
  startMs = Date.now() - started;
});
afterAll(async () => {
  await fleet?.stop();
});

describe('many hosts', () => {
  it(`starts ${HOSTS} hosts quickly`, () => {
    expect(fleet.hosts).toHaveLength(HOSTS);
    // Measured at well under 2 s on the 2-core CI machine; generous bound for a loaded one.
    expect(startMs).toBeLessThan(30_000);
  });

  it(`connects to all ${HOSTS} and runs a script, ${AT_ONCE} at a time`, async () => {
    const queue = [...fleet.hosts];
    const results = new Map<string, string>();
    let running = 0;
    let peak = 0;
    const worker = async (): Promise<void> => {
      for (let h = queue.shift(); h; h = queue.shift()) {
        running++;
        peak = Math.max(peak, running);
        const t = new SshTransport(keyEndpoint(fleet, h, 'scanner'));
        try {
          const r = await collect(await t.runScript('echo "$(hostname) $1 $(sudo -n id -u)"', [h.address], { sudo: false }));
          expect(r.code).toBe(0);
          results.set(h.name, r.text);
        } finally {
          t.close();
          running--;
        }
      }
    };
    await Promise.all(Array.from({ length: AT_ONCE }, worker));
    expect(peak).toBe(AT_ONCE);
    expect(results.size).toBe(HOSTS);
    for (const h of fleet.hosts) expect(results.get(h.name)).toBe(`${h.name} ${h.address} 0\n`);
  });
});
