// The alert dispatcher. After each scan the engine hands it the results; it decides, in one
// transaction, which events each alert profile has not been told about yet, marks them notified
// and writes one notification per scan, profile and channel into the outbox. Delivery reads the
// outbox: a notification is sent (retried in process with backoff, a bounded number of times) and
// marked sent, or stays pending with its error and a later retry time. Nothing is lost: a crash
// between the scan and the delivery leaves the notifications pending for the next run (delivery
// is at least once). Two processes never send one notification at the same time (a lease per row).
import fs from 'node:fs';
import path from 'node:path';
import { type DeliveryReport, type OutboxItem, type PushEvents, type PushName } from '../../shared/api.js';
import type { FimEvent, ServerScanResult } from '../../shared/domain.js';
import { openAlertEventsOfScan } from '../events/event-list.js';
import { hasOpenHostKeyEvent } from '../events/events.js';
import { findGroupId, findServer } from '../inventory/inventory.js';
import { newOwnerId } from '../store/locks.js';
import { SecretBox } from '../secrets/secrets.js';
import type { Db } from '../store/db.js';
import { profilesForGroup, type StoredProfile } from './profiles.js';
import { emailHtml, emailText, jsonLines, snapshot, subjectOf, syslogMessages, webhookBody, type AlertEvent, type Notification, type NotificationKind } from './render.js';
import { sendMail } from './smtp.js';
import { parseSyslogTarget, sendSyslog } from './syslog.js';

export interface AlertOptions {
  /** After a failed attempt, the next is due after min(base × 2^(attempts − 1), max). */
  backoffBaseMs?: number;
  backoffMaxMs?: number;
  clock?: () => Date;
  env?: NodeJS.ProcessEnv;
  /** Timeout of one webhook POST. */
  webhookTimeoutMs?: number;
}

export interface Alerts {
  readonly box: SecretBox;
  /**
   * Queues the notifications of these scan results and returns at once; their first delivery
   * attempt runs in the background (`settled` waits for it). Never throws: alerts never fail a scan.
   */
  handOff(results: ServerScanResult[], options: { scheduled: boolean }): number[];
  /** Resolves when the background deliveries started by `handOff` have finished. */
  settled(): Promise<void>;
  /** Queues only (one transaction); returns the new outbox ids. */
  enqueue(results: ServerScanResult[], options: { scheduled: boolean }): number[];
  /** A scheduled run that failed as a whole (not per server). */
  enqueueRunFailure(group: string, reason: string): number[];
  /** Tries once every pending notification that is due (all pending with force; only `ids` when given). */
  deliverPending(options?: { force?: boolean; ids?: number[] }): Promise<DeliveryReport>;
  outbox(options?: { status?: 'pending' | 'sent' | 'all'; limit?: number }): OutboxItem[];
}

interface OutboxRow {
  id: number;
  profile_name: string;
  channel: OutboxItem['channel'];
  destination: string;
  kind: NotificationKind;
  created_at: string;
  payload_json: string;
  status: 'pending' | 'sent';
  attempts: number;
  next_attempt_at: string;
  last_error: string | null;
  sent_at: string | null;
}

const LEASE_MS = 5 * 60_000;
const SENT_KEPT_MS = 30 * 86_400_000;

export function createAlerts(args: { db: Db; home: string; push: <K extends PushName>(name: K, payload: PushEvents[K]) => void; options?: AlertOptions }): Alerts {
  const { db, push } = args;
  const o = args.options ?? {};
  const clock = o.clock ?? (() => new Date());
  const backoffBase = o.backoffBaseMs ?? 60_000;
  const backoffMax = o.backoffMaxMs ?? 3_600_000;
  const box = new SecretBox(args.home);
  const owner = newOwnerId('alerts');
  const inFlight = new Set<Promise<void>>();

  const insertOutbox = db.prepare(
    `INSERT INTO alert_outbox (profile_name, channel, destination, kind, created_at, payload_json, status, attempts, next_attempt_at)
     VALUES (?, ?, ?, ?, ?, ?, 'pending', 0, ?)`,
  );

  function queue(profile: StoredProfile, n: Notification): number[] {
    const channels: [OutboxItem['channel'], string][] = [];
    if (profile.emails.length) channels.push(['email', profile.emails.join(', ')]);
    if (profile.webhook) channels.push(['webhook', profile.webhook]);
    if (profile.jsonl) channels.push(['jsonl', profile.jsonl]);
    if (profile.syslog) channels.push(['syslog', profile.syslog]);
    const payload = JSON.stringify(n);
    return channels.map(([channel, destination]) => Number(insertOutbox.run(profile.name, channel, destination, n.kind, n.at, payload, n.at).lastInsertRowid));
  }

  const wants = (p: StoredProfile, e: FimEvent) => e.change === 'host_key_mismatch' || p.events === 'both' || (p.events === 'critical' ? e.critical : !e.critical);

  function enqueue(results: ServerScanResult[], options: { scheduled: boolean }): number[] {
    const at = clock().toISOString();
    return db
      .transaction(() => {
        const ids: number[] = [];
        const notified = db.prepare('SELECT 1 FROM alert_notified WHERE profile_id = ? AND event_id = ?');
        const mark = db.prepare('INSERT OR IGNORE INTO alert_notified (profile_id, event_id, notified_at) VALUES (?, ?, ?)');
        const toldNotCompared = db.prepare('SELECT reason FROM alert_not_compared WHERE profile_id = ? AND server_id = ?');
        const tellNotCompared = db.prepare('INSERT OR REPLACE INTO alert_not_compared (profile_id, server_id, reason, notified_at) VALUES (?, ?, ?, ?)');
        const clearNotCompared = db.prepare('DELETE FROM alert_not_compared WHERE server_id = ?');
        for (const r of results) {
          if (r.busy) continue;
          const server = findServer(db, r.name);
          if (!server) continue;
          const profiles = profilesForGroup(db, server.groupId);
          if (!profiles.length) continue;
          const group = server.group ?? 'Unassigned';
          const events =
            r.scanId === undefined
              ? []
              : openAlertEventsOfScan(db, server.id, r.scanId);
          const hostKeyFailure = r.status === 'failed' && /^host_key_mismatch\b|host key .* has changed/i.test(r.reason ?? '');
          const anyHostKeyEvent = hasOpenHostKeyEvent(db, server.id);
          const base = { server: r.name, group, scanId: r.scanId ?? null, at, scheduled: options.scheduled };
          // Compared again: the next time it is not, that is news.
          if (r.status === 'completed_clean' || r.status === 'completed_with_findings') clearNotCompared.run(server.id);
          for (const p of profiles) {
            const fresh = events.filter((e) => wants(p, e) && !notified.get(p.id, e.id));
            const hk: AlertEvent[] = [];
            const fim: AlertEvent[] = [];
            for (const e of fresh) (e.change === 'host_key_mismatch' ? hk : fim).push(snapshot(e));
            if (fim.length) ids.push(...queue(p, { kind: 'events', profile: p.name, ...base, events: fim }));
            if (hk.length) ids.push(...queue(p, { kind: 'host_key_mismatch', profile: p.name, ...base, events: hk }));
            for (const e of fresh) mark.run(p.id, e.id, at);
            if (hostKeyFailure && !anyHostKeyEvent) {
              ids.push(...queue(p, { kind: 'host_key_mismatch', profile: p.name, ...base, reason: r.reason ?? '', events: [] }));
            } else if (!hostKeyFailure && r.status === 'failed' && options.scheduled) {
              ids.push(...queue(p, { kind: 'scan_failed', profile: p.name, ...base, reason: r.reason ?? 'failed', events: [] }));
            } else if (r.status === 'not_compared' && options.scheduled && (toldNotCompared.get(p.id, server.id) as { reason: string } | undefined)?.reason !== (r.reason ?? '')) {
              // A scheduled scan that did not compare every policy is not clean: told once, until it is compared again or the reason changes.
              ids.push(...queue(p, { kind: 'not_compared', profile: p.name, ...base, reason: r.reason ?? '', events: [] }));
              tellNotCompared.run(p.id, server.id, r.reason ?? '', at);
            }
          }
        }
        return ids;
      })
      .immediate();
  }

  function enqueueRunFailure(group: string, reason: string): number[] {
    const at = clock().toISOString();
    return db
      .transaction(() => {
        const ids: number[] = [];
        for (const p of profilesForGroup(db, findGroupId(db, group) ?? null)) {
          ids.push(...queue(p, { kind: 'scan_failed', profile: p.name, server: '', group, scanId: null, at, scheduled: true, reason, events: [] }));
        }
        return ids;
      })
      .immediate();
  }

  async function send(row: OutboxRow): Promise<void> {
    const n = JSON.parse(row.payload_json) as Notification;
    switch (row.channel) {
      case 'email':
        await sendMail(db, box, { to: row.destination.split(', '), subject: subjectOf(n), text: emailText(n), html: emailHtml(n) }, o.env);
        return;
      case 'webhook': {
        const res = await fetch(row.destination, {
          method: 'POST',
          headers: { 'content-type': 'application/json', 'user-agent': 'Driftwatch' },
          body: webhookBody(n),
          redirect: 'manual',
          signal: AbortSignal.timeout(o.webhookTimeoutMs ?? 15_000),
        });
        await res.arrayBuffer().catch(() => undefined);
        if (res.status < 200 || res.status > 299) throw new Error(`webhook answered HTTP ${res.status}`);
        return;
      }
      case 'jsonl':
        fs.mkdirSync(path.dirname(row.destination), { recursive: true });
        fs.appendFileSync(row.destination, jsonLines(n).join('\n') + '\n', { mode: 0o600 });
        return;
      case 'syslog':
        await sendSyslog(parseSyslogTarget(row.destination), syslogMessages(n));
        return;
    }
  }

  /** The next due notifications after id `after` (in id order, so a pass meets each once), leased to this process. */
  function claim(force: boolean, after: number, only: number[] | null): OutboxRow[] {
    return db
      .transaction(() => {
        const now = clock().toISOString();
        const rows = db
          .prepare(
            `SELECT * FROM alert_outbox WHERE status = 'pending' AND id > ? AND (? OR next_attempt_at <= ?) AND (lease_until IS NULL OR lease_until <= ?)
             ${only ? 'AND id IN (SELECT value FROM json_each(?))' : ''} ORDER BY id LIMIT 100`,
          )
          .all(after, +force, now, now, ...(only ? [JSON.stringify(only)] : [])) as OutboxRow[];
        const lease = db.prepare('UPDATE alert_outbox SET lease_owner = ?, lease_until = ? WHERE id = ?');
        const until = new Date(clock().getTime() + LEASE_MS).toISOString();
        for (const r of rows) lease.run(owner, until, r.id);
        return rows;
      })
      .immediate();
  }

  async function deliverPending(options: { force?: boolean; ids?: number[] } = {}): Promise<DeliveryReport> {
    const report: DeliveryReport = { sent: 0, failed: [], pending: 0 };
    let after = 0;
    for (;;) {
      const batch = claim(options.force ?? false, after, options.ids ?? null);
      if (!batch.length) break;
      for (const row of batch) {
        after = row.id;
        // One attempt per pass: a retry waits for its backoff (the scheduler's next pass, or `alert flush`).
        const attempts = row.attempts + 1;
        try {
          await send(row);
        } catch (err) {
          const error = errorText(err);
          const wait = Math.min(backoffBase * 2 ** Math.max(0, attempts - 1), backoffMax);
          const at = clock();
          db.prepare('UPDATE alert_outbox SET attempts = ?, last_attempt_at = ?, last_error = ?, next_attempt_at = ?, lease_owner = NULL, lease_until = NULL WHERE id = ?').run(
            attempts, at.toISOString(), error, new Date(at.getTime() + wait).toISOString(), row.id,
          );
          report.failed.push({ id: row.id, channel: row.channel, destination: row.destination, attempts, error });
          push('alerts/delivery', { id: row.id, channel: row.channel, destination: row.destination, ok: false, error });
          continue;
        }
        const at = clock().toISOString();
        db.prepare("UPDATE alert_outbox SET status = 'sent', attempts = ?, last_attempt_at = ?, sent_at = ?, lease_owner = NULL, lease_until = NULL WHERE id = ?").run(attempts, at, at, row.id);
        report.sent++;
        push('alerts/delivery', { id: row.id, channel: row.channel, destination: row.destination, ok: true });
      }
    }
    report.pending = (db.prepare("SELECT COUNT(*) AS n FROM alert_outbox WHERE status = 'pending'").get() as { n: number }).n;
    // Delivered notifications are kept a while for the record (alert outbox --sent), then dropped.
    db.prepare("DELETE FROM alert_outbox WHERE status = 'sent' AND sent_at < ?").run(new Date(clock().getTime() - SENT_KEPT_MS).toISOString());
    return report;
  }

  function outbox(options: { status?: 'pending' | 'sent' | 'all'; limit?: number } = {}): OutboxItem[] {
    const status = options.status ?? 'pending';
    const rows = (
      status === 'all'
        ? db.prepare('SELECT * FROM alert_outbox ORDER BY id DESC LIMIT ?').all(options.limit ?? 200)
        : db.prepare('SELECT * FROM alert_outbox WHERE status = ? ORDER BY id DESC LIMIT ?').all(status, options.limit ?? 200)
    ) as OutboxRow[];
    return rows.map((r) => {
      const n = JSON.parse(r.payload_json) as Notification;
      return {
        id: r.id,
        profile: r.profile_name,
        channel: r.channel,
        destination: r.destination,
        kind: r.kind,
        server: n.server,
        events: n.events.length,
        createdAt: r.created_at,
        status: r.status,
        attempts: r.attempts,
        nextAttemptAt: r.next_attempt_at,
        lastError: r.last_error,
        sentAt: r.sent_at,
      };
    });
  }

  return {
    box,
    enqueue,
    enqueueRunFailure,
    deliverPending,
    outbox,
    handOff(results, options) {
      let queued: number[];
      try {
        queued = enqueue(results, options);
      } catch (err) {
        // Never fail a scan for its alerts; the events stay open and unnotified, so the next scan queues them.
        push('alerts/delivery', { id: 0, channel: 'email', destination: '', ok: false, error: `could not queue alerts: ${errorText(err)}` });
        return [];
      }
      if (queued.length) {
        const pass = deliverPending({ force: true, ids: queued }).then(
          () => undefined,
          () => undefined, // the store closed under it: the notifications stay pending
        );
        inFlight.add(pass);
        void pass.finally(() => inFlight.delete(pass));
      }
      return queued;
    },
    async settled() {
      while (inFlight.size) await Promise.all([...inFlight]);
    },
  };
}

function errorText(err: unknown): string {
  if (err instanceof Error) {
    const cause = (err as Error & { cause?: unknown }).cause;
    const extra = cause instanceof Error && cause.message && !err.message.includes(cause.message) ? ` (${cause.message})` : '';
    return `${err.message}${extra}`;
  }
  return String(err);
}
