// A group's automatic scans as the form shows them (one choice: off, an interval, or a cron
// expression) and back to the API's ScheduleInput. Pure, so it is tested on its own.
import type { ScheduleEvery, ScheduleInfo, ScheduleInput } from '../../../shared/api.js';

export type ScheduleChoice = 'off' | ScheduleEvery | 'cron';

export const SCHEDULE_CHOICES: { value: ScheduleChoice; label: string }[] = [
  { value: 'off', label: 'Off (scan by hand)' },
  { value: '1h', label: 'Every hour' },
  { value: '2h', label: 'Every 2 hours' },
  { value: '4h', label: 'Every 4 hours' },
  { value: '6h', label: 'Every 6 hours' },
  { value: '12h', label: 'Every 12 hours' },
  { value: '1d', label: 'Daily at 02:00' },
  { value: '1w', label: 'Weekly, Sunday 02:00' },
  { value: 'cron', label: 'Cron expression…' },
];

export interface ScheduleForm {
  choice: ScheduleChoice;
  cron: string;
  onStart: boolean;
}

export function formFromSchedule(s: ScheduleInfo | undefined): ScheduleForm {
  if (!s || s.cron === null) return { choice: 'off', cron: '', onStart: false };
  if (s.every) return { choice: s.every, cron: '', onStart: s.onStart };
  return { choice: 'cron', cron: s.cron, onStart: s.onStart };
}

export function sameForm(a: ScheduleForm, b: ScheduleForm): boolean {
  return a.choice === b.choice && a.onStart === b.onStart && (a.choice !== 'cron' || a.cron.trim() === b.cron.trim());
}

/** What to call: schedules/off, or schedules/set with an interval or a cron expression. */
export function requestFor(group: string, form: ScheduleForm): { off: true; group: string } | { off: false; input: ScheduleInput } {
  if (form.choice === 'off') return { off: true, group };
  const input: ScheduleInput = form.choice === 'cron' ? { group, cron: form.cron.trim() } : { group, every: form.choice };
  return { off: false, input: { ...input, onStart: form.onStart } };
}

export const RUN_STATUS_LABEL: Record<NonNullable<ScheduleInfo['lastStatus']>, string> = {
  running: 'Running',
  ok: 'Completed',
  partial: 'Partly failed',
  failed: 'Failed',
  skipped: 'Skipped',
};

export function runTone(status: ScheduleInfo['lastStatus']): 'ok' | 'warn' | 'bad' | 'info' | 'neutral' {
  switch (status) {
    case 'ok':
      return 'ok';
    case 'partial':
    case 'skipped':
      return 'warn';
    case 'failed':
      return 'bad';
    case 'running':
      return 'info';
    default:
      return 'neutral';
  }
}

/** The short line under a group's name in the list: "every 4 hours" or "no automatic scans". */
export function scheduleSummary(s: ScheduleInfo | undefined): string {
  if (!s || s.cron === null) return 'no automatic scans';
  return s.description;
}
