// The filter vocabulary's pure parts: times (ISO and relative), the checks and the canonical form.
import { describe, expect, it } from 'vitest';
import { describeEventFilter, isPathGlob, normalizeEventFilter, parseTime } from '../../../src/shared/event-filter.js';

const NOW = Date.parse('2026-12-06T12:00:00.000Z');

describe('parseTime', () => {
  it.each([
    ['30m', '2026-12-06T11:30:00.000Z'],
    ['24h', '2026-12-05T12:00:00.000Z'],
    ['7d', '2026-11-29T12:00:00.000Z'],
    ['2w', '2026-11-22T12:00:00.000Z'],
    ['1H', '2026-12-06T11:00:00.000Z'],
    [' 3 d ', '2026-12-03T12:00:00.000Z'],
    ['0m', '2026-12-06T12:00:00.000Z'],
  ])('%j is that long before now', (text, iso) => {
    expect(parseTime(text, NOW)).toBe(iso);
  });

  it.each([
    ['2026-11-30', '2026-11-30T00:00:00.000Z'],
    ['2026-11-30T08:15:00Z', '2026-11-30T08:15:00.000Z'],
    ['2026-11-30T08:15:00+02:00', '2026-11-30T06:15:00.000Z'],
    ['2026-11-30T08:15:00.123456Z', '2026-11-30T08:15:00.123Z'],
  ])('ISO %j is that instant', (text, iso) => {
    expect(parseTime(text, NOW)).toBe(iso);
  });

  it.each(['yesterday-ish', '24', 'h', '5y', '1', 'March 7', '2026-13-45', '-1d', '24h ago', ''])('%j is not a time', (text) => {
    expect(parseTime(text, NOW)).toBeNull();
  });
});

describe('normalizeEventFilter', () => {
  it('defaults the status to open (or the one asked for), keeps names as lists and resolves times', () => {
    expect(normalizeEventFilter(undefined, { now: NOW })).toEqual({ status: 'open' });
    expect(normalizeEventFilter({}, { now: NOW, status: 'all' })).toEqual({ status: 'all' });
    expect(normalizeEventFilter({ server: ['a', 'b'], critical: false, since: '24h', until: '2026-12-06', path: 'sshd', order: 'desc', limit: 5 }, { now: NOW })).toEqual({
      server: ['a', 'b'],
      status: 'open',
      critical: false,
      since: '2026-12-05T12:00:00.000Z',
      until: '2026-12-06T00:00:00.000Z',
      path: 'sshd',
      order: 'desc',
      limit: 5,
    });
    // A single name is a list of one; empty lists and an empty path are no filter.
    expect(normalizeEventFilter({ group: 'web' as unknown as string[], policy: [], path: '' }, { now: NOW })).toEqual({ group: ['web'], status: 'open' });
  });

  it.each([
    [{ status: 'closed' }, /status is one of open, accepted, resolved, retired, all, got "closed"/],
    [{ since: 'soon' }, /since takes a date or time \(ISO 8601\) or a time ago \(30m, 24h, 7d, 2w\), got "soon"/],
    [{ until: 7 }, /until takes a date or time/],
    [{ since: '1d', until: '2d' }, /since \(.*\) is after until/],
    [{ critical: 'yes' }, /critical is true or false/],
    [{ server: [''] }, /server takes a list of names/],
    [{ policy: [3] }, /policy takes a list of names/],
    [{ path: ['x'] }, /path takes a text or a glob/],
  ])('%j is refused as invalid input', (filter, message) => {
    expect(() => normalizeEventFilter(filter as never, { now: NOW })).toThrow(message);
    try {
      normalizeEventFilter(filter as never, { now: NOW });
    } catch (err) {
      expect((err as { code: string }).code).toBe('invalid_input');
    }
  });
});

describe('path filters and descriptions', () => {
  it('a path with * ? or [ is a glob, anything else a substring', () => {
    expect(isPathGlob('/etc/cron.d/*')).toBe(true);
    expect(isPathGlob('sshd_confi?')).toBe(true);
    expect(isPathGlob('/etc/[ab]')).toBe(true);
    expect(isPathGlob('/etc/ssh/sshd_config')).toBe(false);
  });

  it('says what a filter selects', () => {
    expect(describeEventFilter({ status: 'all', server: ['web-1', 'web-2'], critical: true, path: '*.conf', since: '2026-12-05T12:00:00.000Z' })).toBe(
      'status all; server web-1, web-2; critical; path matching *.conf; seen since 2026-12-05T12:00:00.000Z',
    );
    expect(describeEventFilter({ path: 'sshd', critical: false })).toBe('status open; non-critical; path containing sshd');
  });
});
