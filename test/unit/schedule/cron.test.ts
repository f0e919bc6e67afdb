// Schedule expressions: the fixed intervals, cron validation and the next run after a moment.
import { describe, expect, it } from 'vitest';
import { everyPattern, nextRunAfter, parseEvery, validCron } from '../../../src/main/schedule/cron.js';

/** Local time, so the expectations hold in any time zone. */
const t = (y: number, mo: number, d: number, h = 0, mi = 0, s = 0) => new Date(y, mo - 1, d, h, mi, s);

describe('intervals', () => {
  it('accepts the console choices and a few aliases', () => {
    expect(['1h', '2h', '4h', '6h', '12h', '1d', '1w'].map(parseEvery)).toEqual(['1h', '2h', '4h', '6h', '12h', '1d', '1w']);
    expect(parseEvery('Daily')).toBe('1d');
    expect(parseEvery('weekly')).toBe('1w');
    expect(parseEvery('24h')).toBe('1d');
    for (const bad of ['3h', '', '1m', 'hourlyish', '0h']) expect(() => parseEvery(bad)).toThrow(/--every takes one of/);
  });

  it('maps each interval to a node-cron pattern', () => {
    expect(everyPattern('1h')).toBe('0 * * * *');
    expect(everyPattern('4h')).toBe('0 */4 * * *');
    expect(everyPattern('1d')).toBe('0 2 * * *');
    expect(everyPattern('1w')).toBe('0 2 * * 0');
  });
});

describe('cron expressions', () => {
  it('validates with node-cron and normalises spacing', () => {
    expect(validCron('  30   3 * * 1-5 ')).toBe('30 3 * * 1-5');
    expect(validCron('*/10 * * * * *')).toBe('*/10 * * * * *');
    expect(() => validCron('61 * * * *')).toThrow(/bad cron expression/);
    expect(() => validCron('* * *')).toThrow(/bad cron expression/);
    expect(() => validCron('')).toThrow(/cron expression is required/);
    expect(() => validCron(42)).toThrow(/cron expression is required/);
  });
});

describe('next run', () => {
  it('is strictly after the given moment', () => {
    expect(nextRunAfter('0 * * * *', t(2031, 1, 7, 10, 30))).toEqual(t(2031, 1, 7, 11));
    expect(nextRunAfter('0 * * * *', t(2031, 1, 7, 11))).toEqual(t(2031, 1, 7, 12));
    expect(nextRunAfter('0 * * * *', t(2031, 1, 7, 23, 0, 1))).toEqual(t(2031, 1, 8, 0));
  });

  it('follows steps, day of week, day of month and month', () => {
    expect(nextRunAfter('0 */6 * * *', t(2031, 1, 7, 6, 0, 0))).toEqual(t(2031, 1, 7, 12));
    // 2031-01-07 is a Tuesday: the next Sunday 02:00 is the 12th.
    expect(nextRunAfter('0 2 * * 0', t(2031, 1, 7, 10))).toEqual(t(2031, 1, 12, 2));
    expect(nextRunAfter('0 2 * * 7', t(2031, 1, 7, 10))).toEqual(t(2031, 1, 12, 2));
    expect(nextRunAfter('30 4 1 * *', t(2031, 1, 7))).toEqual(t(2031, 2, 1, 4, 30));
    expect(nextRunAfter('0 0 29 2 *', t(2031, 1, 1))).toEqual(t(2032, 2, 29));
    expect(nextRunAfter('15 9 * * mon-fri', t(2031, 1, 10, 9, 15))).toEqual(t(2031, 1, 13, 9, 15)); // Friday → Monday
    expect(nextRunAfter('0 0 1 jan *', t(2031, 6, 1))).toEqual(t(2032, 1, 1));
  });

  it('handles seconds (six fields)', () => {
    expect(nextRunAfter('* * * * * *', new Date(t(2031, 1, 7, 10).getTime() + 250))).toEqual(t(2031, 1, 7, 10, 0, 1));
    expect(nextRunAfter('*/15 * * * * *', t(2031, 1, 7, 10, 0, 59))).toEqual(t(2031, 1, 7, 10, 1, 0));
    expect(nextRunAfter('30 59 23 31 12 *', t(2031, 12, 31, 23, 59, 30))).toEqual(t(2032, 12, 31, 23, 59, 30));
  });

  it('agrees with node-cron on random moments', async () => {
    const cron = (await import('node-cron')).default;
    const patterns = ['0 * * * *', '*/7 3-5 * * 2,4', '0 2 * * 0', '5 4 13 * *', '0 */12 * * *'];
    let seed = 12345;
    const rand = () => ((seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31);
    for (const p of patterns) {
      const task = cron.createTask(p, () => undefined);
      try {
        for (let i = 0; i < 60; i++) {
          const from = new Date(Date.UTC(2031, 0, 1) + Math.floor(rand() * 365 * 86400_000));
          const next = nextRunAfter(p, from);
          expect(next.getTime()).toBeGreaterThan(from.getTime());
          expect(task.match(next)).toBe(true);
          // Nothing matches in between (checked minute by minute over the first day).
          const early: string[] = [];
          for (let m = Math.ceil((from.getTime() + 1) / 60_000) * 60_000; m < Math.min(next.getTime(), from.getTime() + 86400_000); m += 60_000) {
            if (task.match(new Date(m))) early.push(new Date(m).toISOString());
          }
          expect(early, `${p} after ${from.toISOString()}`).toEqual([]);
        }
      } finally {
        await task.destroy();
      }
    }
  });
});
