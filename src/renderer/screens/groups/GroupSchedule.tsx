// A group's automatic scans: off, every 1–12 hours, daily, weekly or a cron expression, "scan on
// start"; and when it runs next, when it ran last and how that went.
import { useState, type FormEvent } from 'react';
import type { ScheduleInfo } from '../../../shared/api.js';
import { Badge, ErrorNotice, Field } from '../../components/ui.js';
import { formatTime, timeAgo } from '../../components/format.js';
import { useAction, useConsole, useResource, useTransport } from '../../state/context.js';
import { formFromSchedule, requestFor, RUN_STATUS_LABEL, runTone, sameForm, SCHEDULE_CHOICES, type ScheduleChoice, type ScheduleForm } from './schedule-form.js';

export function GroupSchedule({ group, schedule }: { group: string; schedule: ScheduleInfo | undefined }) {
  const perform = useConsole((s) => s.perform);
  const notify = useConsole((s) => s.notify);
  const transport = useTransport();
  const runner = useResource('scheduleRunner', false);
  const here = transport === 'ipc' ? 'app' : 'console';
  const saved = formFromSchedule(schedule);
  const [form, setForm] = useState<ScheduleForm>(saved);
  const { busy, error, run } = useAction();
  const dirty = !sameForm(form, saved);
  const id = (name: string) => `schedule-${name}`;

  async function save(event: FormEvent) {
    event.preventDefault();
    const request = requestFor(group, form);
    const result = await run(() =>
      request.off ? perform('schedules/off', { group }, ['schedules']) : perform('schedules/set', request.input, ['schedules']),
    );
    if (!result) return;
    setForm(formFromSchedule(result));
    notify('success', result.cron === null ? `Automatic scans of ${group} are off.` : `${group} is scanned ${result.description}; next run ${formatTime(result.nextRun)}.`);
  }

  return (
    <form className="form schedule-form" aria-label={`Automatic scans of ${group}`} onSubmit={(e) => void save(e)}>
      <div className="field-row">
        <Field label="Scan automatically" htmlFor={id('choice')}>
          <select id={id('choice')} value={form.choice} onChange={(e) => setForm({ ...form, choice: e.target.value as ScheduleChoice })}>
            {SCHEDULE_CHOICES.map((c) => (
              <option key={c.value} value={c.value}>
                {c.label}
              </option>
            ))}
          </select>
        </Field>
        {form.choice === 'cron' ? (
          <Field label="Cron expression" htmlFor={id('cron')} hint="minute hour day-of-month month day-of-week, e.g. 30 3 * * 1-5 (weekdays 03:30)">
            <input id={id('cron')} className="mono" value={form.cron} onChange={(e) => setForm({ ...form, cron: e.target.value })} placeholder="30 3 * * 1-5" required />
          </Field>
        ) : null}
      </div>
      {form.choice !== 'off' ? (
        <label className="check">
          <input type="checkbox" checked={form.onStart} onChange={(e) => setForm({ ...form, onStart: e.target.checked })} /> Also scan when Driftwatch starts (scan on start)
        </label>
      ) : null}
      <ErrorNotice error={error} />
      {dirty ? (
        <div className="form-actions">
          <button type="button" className="btn small" onClick={() => setForm(saved)} disabled={busy}>
            Undo
          </button>
          <button type="submit" className="btn small primary" disabled={busy}>
            Save schedule
          </button>
        </div>
      ) : null}

      {schedule && schedule.cron !== null ? (
        <dl className="meta schedule-meta" aria-label="Schedule status">
          <dt>Schedule</dt>
          <dd data-testid="schedule-description">{schedule.description}</dd>
          <dt>Next run</dt>
          <dd data-testid="schedule-next-run" title={schedule.nextRun ?? undefined}>
            {schedule.nextRun ? `${formatTime(schedule.nextRun)} (${timeAgo(schedule.nextRun)})` : '—'}
          </dd>
          <dt>Last run</dt>
          <dd data-testid="schedule-last-run">{schedule.lastRun ? `${formatTime(schedule.lastRun)} (${timeAgo(schedule.lastRun)})` : 'not yet'}</dd>
          <dt>Result</dt>
          <dd>
            {schedule.lastStatus ? (
              <Badge tone={runTone(schedule.lastStatus)} title={schedule.lastMessage ?? undefined}>
                {RUN_STATUS_LABEL[schedule.lastStatus]}
              </Badge>
            ) : (
              <span className="muted">—</span>
            )}
          </dd>
        </dl>
      ) : null}
      {schedule?.lastMessage && schedule.cron !== null ? <p className="muted small schedule-message">{schedule.lastMessage}</p> : null}
      {schedule && schedule.cron !== null && !schedule.hasPolicy ? (
        <p className="warn-note">No policy is assigned: scheduled runs are recorded as skipped until one is.</p>
      ) : null}
      {schedule && schedule.cron !== null ? (
        runner.data?.here === false ? (
          <p className="warn-note" data-testid="schedules-off-here">
            Automatic scans are off in this {here} (it was started with <code>--no-schedules</code>): this schedule runs only while{' '}
            <code>driftwatch run-schedules</code> or another console with schedules is running.
          </p>
        ) : (
          <p className="muted small">
            Runs while this {here}
            {transport === 'ipc' ? ' (or its tray icon)' : ''} or <code>driftwatch run-schedules</code> is running, at the local time of that process.
          </p>
        )
      ) : null}
    </form>
  );
}
