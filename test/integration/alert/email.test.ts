// Alert emails through a real SMTP server on loopback: one message per scan and profile, only for
// targets flagged alert, not again for a persisting event; a scan never waits for delivery; a
// failing server is retried in the background with backoff, reported and later delivered from the outbox; the password is never stored in plain text.
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { main } from '../../../src/main/cli/main.js';
import { openEngine } from '../../../src/main/engine/engine.js';
import { STORE_FILE } from '../../../src/main/store/db.js';
import { call, cleanup, scanDelivered, setupLocal, startSmtp, type Setup, type TestSmtp } from './helpers.js';

const live: { setups: Setup[]; smtps: TestSmtp[] } = { setups: [], smtps: [] };
afterEach(async () => {
  for (const s of live.setups.splice(0)) {
    s.engine.close();
    cleanup(s.home, s.tree);
  }
  for (const m of live.smtps.splice(0)) await m.close();
});

async function world(prefix: string, smtpOptions: Parameters<typeof startSmtp>[0] = {}) {
  const smtp = await startSmtp(smtpOptions);
  live.smtps.push(smtp);
  const s = await setupLocal(prefix);
  live.setups.push(s);
  await call(s.engine, 'smtp/set', { host: '127.0.0.1', port: smtp.port, security: 'none', from: 'driftwatch@example.com' });
  return { ...s, smtp };
}

describe('alert email', () => {
  it('sends one email per scan and profile with every new event of an alert target, and not again while the event persists', async () => {
    const { engine, tree, smtp } = await world('mail1');
    await call(engine, 'alertProfiles/add', { name: 'ops', emails: ['ops@example.com', 'sec@example.com'], events: 'both' });
    await call(engine, 'alertProfiles/assign', { group: 'G', profile: 'ops' });
    fs.writeFileSync(path.join(tree, 'alert', 'a.conf'), 'line 1\nline two\n');
    fs.writeFileSync(path.join(tree, 'alert', 'new.sh'), '#!/bin/sh\n');
    fs.writeFileSync(path.join(tree, 'quiet', 'a.conf'), 'changed\n');
    fs.writeFileSync(path.join(tree, 'silent', 'a.conf'), 'changed, but no alert\n');

    const results = await scanDelivered(engine, { groups: ['G'] });
    expect(results[0]!.status).toBe('completed_with_findings');
    expect(smtp.messages).toHaveLength(1);
    const mail = smtp.messages[0]!;
    expect(smtp.envelopes[0]!.sort()).toEqual(['ops@example.com', 'sec@example.com']);
    expect(mail.from).toBe('driftwatch@example.com');
    expect(mail.subject).toBe(`[Driftwatch] s1: 3 new events (2 critical) in scan #${results[0]!.scanId}`);
    const text = mail.text;
    expect(text).toContain('Alert profile: ops');
    // Per event: server, path, change, critical flag, changed attributes baseline → current.
    const modified = text.slice(text.indexOf(`CRITICAL modified ${path.join(tree, 'alert', 'a.conf')}`));
    expect(modified).toMatch(/server: +s1/);
    expect(modified).toContain(`path:     ${path.join(tree, 'alert', 'a.conf')}`);
    expect(modified).toMatch(/change: +modified/);
    expect(modified).toMatch(/critical: yes/);
    expect(modified).toMatch(/size: 14 → 16/);
    expect(modified).toMatch(/sha256: [0-9a-f]{64} → [0-9a-f]{64}/);
    // The target keeps content: the email shows the diff.
    expect(modified).toContain('  content diff:\n    --- baseline\n    +++ current\n    @@ -1,2 +1,2 @@\n     line 1\n    -line 2\n    +line two\n');
    expect(mail.html).toContain('+line two');
    expect(text).toContain(`CRITICAL added ${path.join(tree, 'alert', 'new.sh')}`);
    expect(text).toMatch(new RegExp(`Event \\d+: modified ${path.join(tree, 'quiet', 'a.conf').replace(/[/.]/g, '\\$&')}\\n(.*\\n)*? {2}critical: no`));
    // The target without the alert flag is not mailed.
    expect(text).not.toContain(path.join(tree, 'silent'));
    expect(mail.html).toContain('<table');

    // The same open events on the next scan: no new email.
    await scanDelivered(engine, { groups: ['G'] });
    expect(smtp.messages).toHaveLength(1);
    // A new change: one more email with only the new event.
    fs.writeFileSync(path.join(tree, 'alert', 'other'), 'x\n');
    await scanDelivered(engine, { groups: ['G'] });
    expect(smtp.messages).toHaveLength(2);
    expect(smtp.messages[1]!.subject).toMatch(/1 new event \(1 critical\)/);
    expect(smtp.messages[1]!.text).toContain(path.join(tree, 'alert', 'other'));
    expect(smtp.messages[1]!.text).not.toContain(path.join(tree, 'alert', 'new.sh'));
    // After an event resolves and comes back it is a new event, mailed again.
    fs.rmSync(path.join(tree, 'alert', 'other'));
    await scanDelivered(engine, { groups: ['G'] });
    fs.writeFileSync(path.join(tree, 'alert', 'other'), 'x\n');
    await scanDelivered(engine, { groups: ['G'] });
    expect(smtp.messages).toHaveLength(3);
    expect(smtp.messages[2]!.text).toContain(path.join(tree, 'alert', 'other'));
  });

  it('mails only the events a profile asks for, and the default profile covers groups without one', async () => {
    const { engine, tree, smtp } = await world('mail2');
    await call(engine, 'alertProfiles/add', { name: 'crit', emails: ['crit@example.com'], events: 'critical', isDefault: true });
    await call(engine, 'alertProfiles/add', { name: 'noncrit', emails: ['noise@example.com'], events: 'non-critical', isDefault: true });
    fs.writeFileSync(path.join(tree, 'alert', 'a.conf'), 'x\n');
    fs.writeFileSync(path.join(tree, 'quiet', 'a.conf'), 'y\n');
    await scanDelivered(engine, { groups: ['G'] });
    expect(smtp.messages).toHaveLength(2);
    const byRcpt = new Map(smtp.envelopes.map((e, i) => [e.join(','), smtp.messages[i]!]));
    expect(byRcpt.get('crit@example.com')!.text).toContain(path.join(tree, 'alert', 'a.conf'));
    expect(byRcpt.get('crit@example.com')!.text).not.toContain(path.join(tree, 'quiet'));
    expect(byRcpt.get('noise@example.com')!.text).toContain(path.join(tree, 'quiet', 'a.conf'));
    expect(byRcpt.get('noise@example.com')!.text).not.toContain(path.join(tree, 'alert'));
    // Once the group has its own profile, the defaults no longer apply to it.
    await call(engine, 'alertProfiles/add', { name: 'own', emails: ['own@example.com'] });
    await call(engine, 'alertProfiles/assign', { group: 'G', profile: 'own' });
    fs.writeFileSync(path.join(tree, 'alert', 'b'), 'b\n');
    await scanDelivered(engine, { groups: ['G'] });
    expect(smtp.envelopes.slice(2)).toEqual([['own@example.com']]);
  });

  it('never makes a scan wait for delivery: a refusing SMTP server is retried in the background with backoff, then delivered', async () => {
    let now = new Date();
    const smtp = await startSmtp();
    live.smtps.push(smtp);
    const s = await setupLocal('mail3', { alerts: { clock: () => now } });
    live.setups.push(s);
    const { engine, tree } = s;
    await call(engine, 'smtp/set', { host: '127.0.0.1', port: smtp.port, security: 'none', from: 'driftwatch@example.com' });
    await call(engine, 'alertProfiles/add', { name: 'ops', emails: ['ops@example.com'], isDefault: true });
    const reported: unknown[] = [];
    engine.onPush((name, payload) => name === 'alerts/delivery' && reported.push(payload));
    smtp.mode = 'reject';

    // The scan's result comes back with its notification queued and not yet tried.
    fs.writeFileSync(path.join(tree, 'alert', 'a.conf'), '1\n');
    const [first] = await engine.scan({ groups: ['G'] });
    expect(first!.status).toBe('completed_with_findings');
    expect(await call(engine, 'alerts/outbox', {})).toEqual([expect.objectContaining({ status: 'pending', attempts: 0, lastError: null })]);
    expect(smtp.attempts).toBe(0);
    // Its first attempt ran in the background: refused once, no retry in the same pass, next try after the backoff.
    await engine.alerts.settled();
    expect(smtp.attempts).toBe(1);
    const [pending] = await call(engine, 'alerts/outbox', {});
    expect(pending).toMatchObject({ status: 'pending', attempts: 1, kind: 'events', server: 's1', events: 1 });
    expect(pending!.lastError).toMatch(/451/);
    expect(Date.parse(pending!.nextAttemptAt)).toBe(now.getTime() + 60_000);
    expect(reported.at(-1)).toMatchObject({ ok: false, channel: 'email', destination: 'ops@example.com' });

    // A later scan does not retry the earlier notification: only its own new one is tried, once.
    fs.writeFileSync(path.join(tree, 'alert', 'b'), '2\n');
    await engine.scan({ groups: ['G'] });
    expect(smtp.attempts).toBe(1);
    await engine.alerts.settled();
    expect(smtp.attempts).toBe(2);
    expect((await call(engine, 'alerts/outbox', {})).map((i) => [i.id > pending!.id ? 'new' : 'old', i.attempts])).toEqual([['new', 1], ['old', 1]]);

    // The background runner's pass (the scheduler's minute tick) tries only what is due: nothing before the backoff…
    now = new Date(now.getTime() + 30_000);
    expect(await engine.alerts.deliverPending()).toMatchObject({ sent: 0, failed: [], pending: 2 });
    expect(smtp.attempts).toBe(2);
    // …then both, refused again: the wait doubles.
    now = new Date(now.getTime() + 31_000);
    expect(await engine.alerts.deliverPending()).toMatchObject({ sent: 0, pending: 2 });
    expect(smtp.attempts).toBe(4);
    const old = (await call(engine, 'alerts/outbox', {})).find((i) => i.id === pending!.id)!;
    expect(old).toMatchObject({ attempts: 2 });
    expect(Date.parse(old.nextAttemptAt)).toBe(now.getTime() + 120_000);

    // The server recovers: the next due pass delivers both.
    smtp.mode = 'accept';
    now = new Date(now.getTime() + 120_000);
    expect(await engine.alerts.deliverPending()).toMatchObject({ sent: 2, failed: [], pending: 0 });
    expect(smtp.messages.map((m) => m.text.includes(path.join(tree, 'alert', 'b')))).toEqual([false, true]);
    expect(smtp.messages[0]!.text).toContain(path.join(tree, 'alert', 'a.conf'));
    expect((await call(engine, 'alerts/outbox', { status: 'all' })).map((i) => [i.status, i.attempts])).toEqual([['sent', 3], ['sent', 3]]);
  });

  it('`alert flush` retries a pending notification at once, whatever its backoff', async () => {
    const { engine, tree, smtp } = await world('mail3b');
    await call(engine, 'alertProfiles/add', { name: 'ops', emails: ['ops@example.com'], isDefault: true });
    smtp.mode = 'reject';
    fs.writeFileSync(path.join(tree, 'alert', 'a.conf'), '1\n');
    await scanDelivered(engine, { groups: ['G'] });
    expect((await call(engine, 'alerts/outbox', {}))[0]).toMatchObject({ status: 'pending', attempts: 1 });
    smtp.mode = 'accept';
    expect(await call(engine, 'alerts/flush', { force: true })).toMatchObject({ sent: 1, failed: [], pending: 0 });
    expect(smtp.messages).toHaveLength(1);
    expect((await call(engine, 'alerts/outbox', { status: 'all' }))[0]).toMatchObject({ status: 'sent', attempts: 2 });
  });

  it('the scan command prints its results, reports the refused alert, and leaves retries to `alert flush`', async () => {
    const { engine, home, tree, smtp } = await world('mail3c');
    await call(engine, 'alertProfiles/add', { name: 'ops', emails: ['ops@example.com'], isDefault: true });
    smtp.mode = 'reject';
    const run = async (...args: string[]) => {
      const out: string[] = [];
      const err: string[] = [];
      const code = await main(['--home', home, ...args], { out: (t) => out.push(t), err: (t) => err.push(t) });
      return { code, out: out.join('\n'), err: err.join('\n') };
    };
    fs.writeFileSync(path.join(tree, 'alert', 'a.conf'), '1\n');
    const first = await run('scan', '--group', 'G');
    expect(first.code).toBe(1);
    expect(first.out).toMatch(/s1 +completed_with_findings/);
    expect(first.err).toMatch(/warning: alert not delivered \(email to ops@example.com\): .*451.*; it stays in the outbox/);
    expect(smtp.attempts).toBe(1);
    // A later scan tries only its own new notification, once: the earlier one waits for its backoff.
    fs.writeFileSync(path.join(tree, 'alert', 'b'), '2\n');
    await run('scan', '--group', 'G');
    expect(smtp.attempts).toBe(2);
    expect((await call(engine, 'alerts/outbox', {})).map((i) => i.attempts)).toEqual([1, 1]);
    smtp.mode = 'accept';
    const flush = await run('alert', 'flush');
    expect(flush).toMatchObject({ code: 0, out: 'alerts: 2 sent, 0 pending' });
    expect(smtp.messages).toHaveLength(2);
  });

  it('a pass meets every pending notification once, beyond the first hundred', async () => {
    const { engine, smtp } = await world('mail3d');
    await call(engine, 'alertProfiles/add', { name: 'ops', emails: ['ops@example.com'], isDefault: true });
    smtp.mode = 'reject';
    for (let i = 0; i < 120; i++) engine.alerts.enqueueRunFailure('G', `run ${i} failed`);
    expect(await engine.alerts.deliverPending({ force: true })).toMatchObject({ sent: 0, pending: 120 });
    expect(smtp.attempts).toBe(120);
    expect(new Set((await call(engine, 'alerts/outbox', {})).map((i) => i.attempts))).toEqual(new Set([1]));
  });

  it('keeps notifications when the SMTP server is down, and a later run delivers them to the server that is up', async () => {
    const { engine, tree, smtp } = await world('mail4');
    await call(engine, 'alertProfiles/add', { name: 'ops', emails: ['ops@example.com'], isDefault: true });
    const downPort = smtp.port;
    await smtp.close();
    fs.writeFileSync(path.join(tree, 'alert', 'a.conf'), 'down\n');
    await scanDelivered(engine, { groups: ['G'] });
    const [item] = await call(engine, 'alerts/outbox', {});
    expect(item).toMatchObject({ status: 'pending', attempts: 1 });
    expect(item!.lastError).toMatch(/ECONNREFUSED|connect/i);

    const up = await startSmtp();
    live.smtps.push(up);
    expect(up.port).not.toBe(downPort);
    await call(engine, 'smtp/set', { host: '127.0.0.1', port: up.port, security: 'none', from: 'driftwatch@example.com' });
    expect(await call(engine, 'alerts/flush', {})).toMatchObject({ sent: 1, pending: 0 });
    expect(up.messages).toHaveLength(1);
    expect(up.messages[0]!.text).toContain(path.join(tree, 'alert', 'a.conf'));
  });

  it('does not retry in the same pass what only the settings can fix, and says what to do', async () => {
    const s = await setupLocal('mail-nosmtp');
    live.setups.push(s);
    await call(s.engine, 'alertProfiles/add', { name: 'ops', emails: ['ops@example.com'], isDefault: true });
    fs.writeFileSync(path.join(s.tree, 'alert', 'a.conf'), 'x\n');
    await scanDelivered(s.engine, { groups: ['G'] });
    const [item] = await call(s.engine, 'alerts/outbox', {});
    expect(item).toMatchObject({ status: 'pending', attempts: 1 });
    expect(item!.lastError).toMatch(/SMTP is not set up \(driftwatch smtp set/);
    await call(s.engine, 'smtp/set', { host: '127.0.0.1', port: 25, security: 'none', user: 'u', passwordEnv: 'DW_TEST_UNSET_VARIABLE', from: 'dw@example.com' });
    const report = await call(s.engine, 'alerts/flush', {});
    expect(report.failed[0]!.error).toMatch(/environment variable DW_TEST_UNSET_VARIABLE .* is not set/);
    expect((await call(s.engine, 'alerts/outbox', {}))[0]).toMatchObject({ attempts: 2 });
  });

  it('survives a crash during delivery: the notification stays in the outbox and the next run sends it', async () => {
    const { engine, home, tree, smtp } = await world('mail5');
    await call(engine, 'alertProfiles/add', { name: 'ops', emails: ['ops@example.com'], isDefault: true });
    engine.close();
    smtp.mode = 'hang';
    fs.writeFileSync(path.join(tree, 'alert', 'a.conf'), 'crash\n');
    // A real `driftwatch scan` process, killed while the SMTP server holds its message.
    const child = spawn(process.execPath, [path.resolve('bin/driftwatch.js'), '--home', home, 'scan', '--group', 'G'], { stdio: 'ignore' });
    const exited = new Promise((r) => child.on('exit', r));
    await smtp.hung;
    child.kill('SIGKILL');
    await exited;

    const later = new Date(Date.now() + 10 * 60_000); // past the dead process's lease
    const engine2 = openEngine({ home, alerts: { clock: () => later } });
    live.setups.push({ home, tree: home, engine: engine2 });
    const [item] = await call(engine2, 'alerts/outbox', {});
    expect(item).toMatchObject({ status: 'pending', kind: 'events', events: 1 });
    smtp.mode = 'accept';
    expect(await engine2.alerts.deliverPending()).toMatchObject({ sent: 1, pending: 0 });
    expect(smtp.messages).toHaveLength(1);
    expect(smtp.messages[0]!.text).toContain(path.join(tree, 'alert', 'a.conf'));
  });

  it('authenticates with a password from an environment variable, or stored sealed, never in plain text', async () => {
    const secret = 'pa55-w0rd-Ünïcode';
    const { engine, home, smtp } = await world('mail6', { auth: { user: 'mailer', pass: secret } });
    process.env.DW_TEST_SMTP_PASSWORD = secret;
    try {
      const viaEnv = await call(engine, 'smtp/set', { host: '127.0.0.1', port: smtp.port, security: 'none', user: 'mailer', passwordEnv: 'DW_TEST_SMTP_PASSWORD', from: 'dw@example.com' });
      expect(viaEnv).toMatchObject({ passwordEnv: 'DW_TEST_SMTP_PASSWORD', passwordStored: false });
      await call(engine, 'smtp/test', { to: 'admin@example.com' });
      expect(smtp.messages.at(-1)!.subject).toBe('[Driftwatch] SMTP test');
      expect(smtp.logins.at(-1)).toEqual({ user: 'mailer', pass: secret });
    } finally {
      delete process.env.DW_TEST_SMTP_PASSWORD;
    }
    const sealed = await call(engine, 'smtp/set', { host: '127.0.0.1', port: smtp.port, security: 'none', user: 'mailer', password: secret, from: 'dw@example.com' });
    expect(sealed).toMatchObject({ passwordEnv: null, passwordStored: true });
    expect(JSON.stringify(sealed)).not.toContain(secret);
    await call(engine, 'smtp/test', { to: 'admin@example.com' });
    expect(smtp.logins.at(-1)).toEqual({ user: 'mailer', pass: secret });
    expect(smtp.messages).toHaveLength(2);
    // Not in the store, its WAL, or anywhere in the home folder in plain text.
    engine.close();
    for (const f of fs.readdirSync(home)) {
      const bytes = fs.readFileSync(path.join(home, f));
      expect(bytes.includes(Buffer.from(secret, 'utf8')), f).toBe(false);
      expect(bytes.includes(Buffer.from(secret, 'utf16le')), f).toBe(false);
    }
    expect(fs.statSync(path.join(home, 'secret.key')).mode & 0o777).toBe(0o600);
    expect(fs.existsSync(path.join(home, STORE_FILE))).toBe(true);
    // A wrong password is refused by the server and reported.
    const engine2 = openEngine({ home });
    live.setups.push({ home, tree: home, engine: engine2 });
    await call(engine2, 'smtp/set', { host: '127.0.0.1', port: smtp.port, security: 'none', user: 'mailer', password: 'wrong', from: 'dw@example.com' });
    await expect(call(engine2, 'smtp/test', { to: 'admin@example.com' })).rejects.toThrow(/SMTP test failed.*(535|auth)/i);
  });
});
