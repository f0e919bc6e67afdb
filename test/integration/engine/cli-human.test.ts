// What the CLI shows people: local dates with their zone instead of epoch seconds, mode changes
// in words; JSON keeps the documented values.
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { FimEvent } from '../../../src/shared/domain.js';
import { eventsJson, ok, removeTemps, scanJson, standardSetup, tempDir } from './helpers.js';

afterAll(removeTemps);
const savedTz = process.env.TZ;
afterEach(() => {
  if (savedTz === undefined) delete process.env.TZ;
  else process.env.TZ = savedTz;
});

describe('event show for people', () => {
  let home: string;
  let event: FimEvent;
  beforeAll(async () => {
    home = tempDir();
    const root = tempDir();
    fs.writeFileSync(path.join(root, 'tool'), '#!/bin/sh\n');
    fs.chmodSync(path.join(root, 'tool'), 0o644);
    await standardSetup(home, root, 'dash', { targetArgs: ['--recursive', '--compare', 'self'] });
    await scanJson(home);
    fs.chmodSync(path.join(root, 'tool'), 0o4755);
    fs.utimesSync(path.join(root, 'tool'), 1796515366, 1796515366);
    await scanJson(home);
    event = (await eventsJson(home))[0]!;
  });

  it('shows local dates with the zone offset, never epoch seconds, and says what the mode change means', async () => {
    process.env.TZ = 'Asia/Kolkata';
    const text = await ok(home, 'event', 'show', String(event.id));
    expect(text).toMatch(/^mode 0644 → 4755: setuid added, executable added$/m);
    expect(text).toMatch(/\* mtime +\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?\+05:30 +2026-12-06T05:32:46\+05:30$/m);
    expect(text).toMatch(/ctime +\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?\+05:30 +\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?\+05:30/);
    expect(text).toMatch(/first seen \d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\+05:30, last seen \d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\+05:30/);
    expect(text).not.toMatch(/\b\d{10}(\.\d+)?\b/);
    expect(text).not.toMatch(/\dZ\b/);
    // No colour when the output is not a terminal (the in-process CLI has none).
    expect(text).not.toContain('\x1b[');
  });

  it('the JSON keeps the documented values: epoch seconds from the host, UTC ISO times', async () => {
    process.env.TZ = 'Asia/Kolkata';
    const json = JSON.parse(await ok(home, 'event', 'show', String(event.id), '--json')) as FimEvent;
    expect(json.attributes.find((a) => a.name === 'mode')).toEqual({ name: 'mode', baseline: '0644', current: '4755' });
    expect(String(json.currentEntry!.mtime)).toMatch(/^1796515366(\.0+)?$/);
    expect(json.firstSeen).toMatch(/Z$/);
  });
});
