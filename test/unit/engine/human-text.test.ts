// Text for people: local dates with their zone, mode changes in words, and when the CLI colours.
import { afterEach, describe, expect, it } from 'vitest';
import { localTime, modeChanges } from '../../../src/shared/human-text.js';
import { ansi, paintFor, plain, table } from '../../../src/main/cli/format.js';

const savedTz = process.env.TZ;
afterEach(() => {
  if (savedTz === undefined) delete process.env.TZ;
  else process.env.TZ = savedTz;
});

describe('localTime', () => {
  it('writes epoch seconds and ISO times in the process zone, with its offset', () => {
    process.env.TZ = 'Europe/Paris';
    expect(localTime('1796515366.201749970')).toBe('2026-12-06T01:02:46.201749970+01:00');
    expect(localTime('1796515366.000000000')).toBe('2026-12-06T01:02:46+01:00');
    expect(localTime(1796515366)).toBe('2026-12-06T01:02:46+01:00');
    expect(localTime('2026-12-06T00:02:46.201Z')).toBe('2026-12-06T01:02:46+01:00');
    expect(localTime('2026-07-01T12:00:00Z')).toBe('2026-07-01T14:00:00+02:00');
    process.env.TZ = 'America/St_Johns';
    expect(localTime('1796515366')).toBe('2026-12-05T20:32:46-03:30');
    process.env.TZ = 'UTC';
    expect(localTime('1796515366')).toBe('2026-12-06T00:02:46+00:00');
  });

  it('leaves what is not a time as it is', () => {
    expect(localTime('not a time')).toBe('not a time');
    expect(localTime('')).toBe('');
  });
});

describe('modeChanges', () => {
  it.each([
    ['0755', '4755', ['setuid added']],
    ['2755', '0755', ['setgid removed']],
    ['0777', '1777', ['sticky added']],
    ['0644', '0664', ['group-writable added']],
    ['0644', '0646', ['world-writable added']],
    ['0644', '0755', ['executable added']],
    ['0755', '0644', ['executable removed']],
    ['0744', '0755', ['group-executable added', 'world-executable added']],
    ['0660', '6757', ['setuid added', 'setgid added', 'executable added', 'group-writable removed', 'world-readable added', 'world-writable added']],
    ['0600', '0400', ['owner-writable removed']],
    ['0755', '0755', []],
  ])('%s → %s', (from, to, words) => {
    expect(modeChanges(from, to)).toEqual(words);
  });

  it('says nothing about values that are not modes', () => {
    expect(modeChanges(null, '0755')).toEqual([]);
    expect(modeChanges('0755', 'rwx')).toEqual([]);
    expect(modeChanges(493, '0755')).toEqual([]);
  });
});

describe('colour', () => {
  it('on a terminal only, never with NO_COLOR (any value); FORCE_COLOR forces it on or (0) off', () => {
    expect(paintFor({ isTTY: true }, {})).toBe(ansi);
    expect(paintFor({ isTTY: false }, {})).toBe(plain);
    expect(paintFor({}, {})).toBe(plain);
    expect(paintFor({ isTTY: true }, { NO_COLOR: '' })).toBe(plain);
    expect(paintFor({ isTTY: true }, { NO_COLOR: '1', FORCE_COLOR: '1' })).toBe(plain);
    expect(paintFor({ isTTY: false }, { FORCE_COLOR: '1' })).toBe(ansi);
    expect(paintFor({ isTTY: true }, { FORCE_COLOR: '0' })).toBe(plain);
    expect(paintFor({ isTTY: false }, { FORCE_COLOR: '0' })).toBe(plain);
  });

  it('keeps tables aligned: colour takes no width', () => {
    const coloured = table([[ansi('open', 'open'), 'x'], ['resolved', 'y']], ['STATUS', 'PATH']);
    expect(coloured.replace(/\x1b\[[0-9;]*m/g, '')).toBe(table([['open', 'x'], ['resolved', 'y']], ['STATUS', 'PATH']));
    expect(coloured).toContain('\x1b[33mopen\x1b[0m');
  });
});
