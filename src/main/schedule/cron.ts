// Schedule expressions: the fixed intervals of the console (every 1h … 1w) and cron expressions,
// both as node-cron patterns, and the next run after any moment, so the scheduler's decisions can
// be computed from an injected clock. Times are the local time of the process, as node-cron's.
import type Cron from 'node-cron';
import { ApiError } from '../../shared/api.js';
import { lazyRequire } from '../lazy-require.js';

export const nodeCron = lazyRequire<typeof Cron>('node-cron');

export const EVERY_CHOICES = ['1h', '2h', '4h', '6h', '12h', '1d', '1w'] as const;
export type Every = (typeof EVERY_CHOICES)[number];

/** Every N hours on the hour; daily and weekly (Sundays) at 02:00. */
const EVERY_PATTERN: Record<Every, string> = {
  '1h': '0 * * * *',
  '2h': '0 */2 * * *',
  '4h': '0 */4 * * *',
  '6h': '0 */6 * * *',
  '12h': '0 */12 * * *',
  '1d': '0 2 * * *',
  '1w': '0 2 * * 0',
};

const EVERY_ALIASES: Record<string, Every> = {
  hourly: '1h', '60m': '1h', '24h': '1d', daily: '1d', day: '1d', '7d': '1w', weekly: '1w', week: '1w',
};

export function parseEvery(value: string): Every {
  const v = value.trim().toLowerCase();
  if ((EVERY_CHOICES as readonly string[]).includes(v)) return v as Every;
  const alias = EVERY_ALIASES[v];
  if (alias) return alias;
  throw new ApiError('invalid_input', `--every takes one of ${EVERY_CHOICES.join(', ')}, got ${JSON.stringify(value)}`);
}

export function everyPattern(every: Every): string {
  return EVERY_PATTERN[every];
}

export function describeEvery(every: Every): string {
  return { '1h': 'every hour', '2h': 'every 2 hours', '4h': 'every 4 hours', '6h': 'every 6 hours', '12h': 'every 12 hours', '1d': 'daily at 02:00', '1w': 'weekly, Sunday 02:00' }[every];
}

/** A valid node-cron pattern (5 fields, or 6 with seconds first), or invalid_input naming the problem. */
export function validCron(expr: unknown): string {
  if (typeof expr !== 'string' || !expr.trim()) throw new ApiError('invalid_input', 'a cron expression is required, e.g. "30 3 * * *"');
  const e = expr.trim().replace(/\s+/g, ' ');
  try {
    nodeCron().parse(e);
  } catch (err) {
    throw new ApiError('invalid_input', `bad cron expression ${JSON.stringify(expr)}: ${(err as Error).message}`);
  }
  return e;
}

const MAX_DAYS = 366 * 8;

/** The first moment strictly after `after` that the pattern matches (whole seconds). */
export function nextRunAfter(pattern: string, after: Date): Date {
  const fields = nodeCron().parse(pattern);
  const seconds = [...fields.second].sort((a, b) => a - b);
  const minutes = [...fields.minute].sort((a, b) => a - b);
  const hours = [...fields.hour].sort((a, b) => a - b);
  const task = nodeCron().createTask(pattern, () => undefined);
  try {
    const start = new Date(after.getFullYear(), after.getMonth(), after.getDate());
    for (let i = 0; i < MAX_DAYS; i++) {
      const y = start.getFullYear();
      const mo = start.getMonth();
      const d = start.getDate() + i;
      // Day, month and weekday are the same for every time of the day: test them once.
      if (!task.match(new Date(y, mo, d, hours[0]!, minutes[0]!, seconds[0]!))) continue;
      for (const h of hours) {
        const lastOfHour = new Date(y, mo, d, h, 59, 59);
        if (lastOfHour <= after) continue;
        for (const mi of minutes) {
          for (const s of seconds) {
            const t = new Date(y, mo, d, h, mi, s);
            if (t > after && t.getHours() === h && task.match(t)) return t;
          }
        }
      }
    }
  } finally {
    void task.destroy();
  }
  throw new ApiError('invalid_input', `the cron expression ${JSON.stringify(pattern)} never matches`);
}
