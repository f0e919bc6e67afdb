// Verdicts a security engineer can sign, through the CLI against real sshd hosts:
// - `server add` stores only a valid server and connects to nothing; `server check` (or
//   `server add --check`) is the connection check, whose failure leaves the server stored and says
//   how to fix it; `server edit` changes it; a shared address or a case-only name clash warns.
// - trust is explicit: without a named key, a person on a terminal types yes; a different key is
//   replaced only with --replace; every change is recorded (who, when, old, new, how).
// - a host-key event shows both keys and the two real actions, and accept refuses it saying so.
// - removing a policy, a target, a group or a server asks (or takes --yes), says what goes with it,
//   and retires the open events with the reason; they stay queryable and in the PDF report.
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { FimEvent, TrustChange } from '../../../src/shared/domain.js';
import { startFleet, type Fleet, type Host } from '../../fleet/fleet.js';
import { parseCsv } from '../../support/csv-reader.js';
import { onTerminal } from '../../support/terminal.js';
import { cli, eventsJson, makeAppTree, newHome, ok, PASSPHRASE_ENV, query, removeHomes, resultOf, scanJson, scratchDir } from './helpers.js';

let fleet: Fleet;
let h1: Host;
let h2: Host;
let h3: Host;
let home: string;
let dir: string;
const me = os.userInfo().username;
const CONFIRM = 'Type yes to confirm:';

beforeAll(async () => {
  fleet = await startFleet({ hosts: 3 });
  [h1, h2, h3] = fleet.hosts as [Host, Host, Host];
  for (const h of fleet.hosts) await makeAppTree(h);
  home = newHome();
  dir = scratchDir();
});
afterAll(async () => {
  await fleet?.stop();
  removeHomes();
});

interface ShownServer {
  name: string;
  host: string;
  port: number;
  user: string;
  auth: Record<string, string>;
  hostKey: string | null;
  jump: string | null;
  sudo: boolean;
  tags: string[];
  openEvents: { critical: number; nonCritical: number };
  trustHistory: TrustChange[];
}
const show = async (name: string): Promise<ShownServer> => JSON.parse(await ok(home, 'server', 'show', name, '--json')) as ShownServer;
const eventShow = async (id: number): Promise<FimEvent> => JSON.parse(await ok(home, 'event', 'show', String(id), '--json')) as FimEvent;
const key = (): string[] => ['--key', fleet.clientKey.privateKey];

describe('server add is atomic and checkable', () => {
  it('with the host down, add --check stores the server, fails the check saying how to fix it, and a retry says the server exists', async () => {
    await h1.stopSshd();
    try {
      const r = await cli(home, 'server', 'add', 'web', '--host', h1.address, '--user', 'root', ...key(), '--check');
      expect(r.code).toBe(1);
      expect(r.out).toContain(`added server web (root@${h1.address}:22) in Unassigned`);
      expect(r.err).toContain(`driftwatch: web is stored, but it cannot be reached: cannot connect to ${h1.address}: connection refused.`);
      expect(r.err).toContain('Check that the host is up and its address is right (driftwatch server edit web --host H --port N), then run: driftwatch server check web');
      expect((await show('web')).host).toBe(h1.address);
      const again = await cli(home, 'server', 'add', 'web', '--host', h1.address, ...key());
      expect(again.code).toBe(1);
      expect(again.err).toBe("driftwatch: a server named 'web' exists already (change it with driftwatch server edit web; check its connection with driftwatch server check web)");
      const tofu = await cli(home, 'server', 'add', 'web-tofu', '--host', h1.address, ...key(), '--accept-new');
      expect(tofu.code).toBe(1);
      expect(tofu.err.split('\n')).toEqual([
        `warning: ${h1.address}:22 is also the address of web`,
        `driftwatch: web-tofu is stored, but its host key could not be read: cannot connect to ${h1.address}: connection refused. Once it is reachable: driftwatch server trust web-tofu`,
      ]);
      expect((await show('web-tofu')).hostKey).toBeNull();
      await ok(home, 'server', 'remove', 'web-tofu', '--yes');
    } finally {
      await h1.startSshd();
    }
  });

  it('server check says the host key is not trusted yet, with the key and the command; once trusted it passes', async () => {
    const r = await cli(home, 'server', 'check', 'web');
    expect(r.code).toBe(1);
    expect(r.err).toBe(
      `driftwatch: web is stored, but its host key is not trusted yet: it presents ssh-ed25519 key ${h1.hostKeyFingerprint}. Compare it with ssh-keygen -lf on the server, then: driftwatch server trust web --fingerprint ${h1.hostKeyFingerprint}`,
    );
    await ok(home, 'server', 'trust', 'web', '--fingerprint', h1.hostKeyFingerprint);
    const checked = await cli(home, 'server', 'check', 'web');
    expect(checked).toMatchObject({ code: 0, err: '' });
    expect(checked.out).toMatch(new RegExp(`^web: connection ok \\(root@${h1.address.replace(/\./g, '\\.')}:22, host key ${h1.hostKeyFingerprint.replace(/[+/]/g, '.')}, shell \\S+\\)$`));
  });

  it('a failed login is a failed check that names the fix; the server stays as it is', async () => {
    await ok(home, 'server', 'edit', 'web', '--user', 'nobody-here');
    const r = await cli(home, 'server', 'check', 'web');
    expect(r.code).toBe(1);
    expect(r.err).toContain('web is stored, but the check failed: ');
    expect(r.err).toContain('To fix it, check the user and the credentials (driftwatch server edit web --user U --key FILE, or --password-env VAR), then run: driftwatch server check web');
    expect((await show('web')).user).toBe('nobody-here');
    await ok(home, 'server', 'edit', 'web', '--user', 'root');
    expect((await cli(home, 'server', 'check', 'web')).code).toBe(0);
  });

  it('a key file that is missing, not a key, or a public key is refused and nothing is stored', async () => {
    const garbage = path.join(dir, 'not-a-key');
    fs.writeFileSync(garbage, 'hello\n');
    const cases: [string, string][] = [
      [path.join(dir, 'missing-key'), `key file ${path.join(dir, 'missing-key')} does not exist`],
      [garbage, `key file ${garbage} is not a private key: `],
      [fleet.clientKey.publicKey, `key file ${fleet.clientKey.publicKey} holds a public key, not the private key: give the file without .pub`],
    ];
    for (const [file, message] of cases) {
      const r = await cli(home, 'server', 'add', 'badkey', '--host', h2.address, '--key', file);
      expect(r.code).toBe(1);
      expect(r.err).toContain(`driftwatch: ${message}`);
      expect(r.out).toBe('');
      expect((await cli(home, 'server', 'show', 'badkey')).code).toBe(1);
    }
  });

  it('an encrypted key is a valid key file without its passphrase; only the variable name is stored', async () => {
    delete process.env[PASSPHRASE_ENV];
    await ok(home, 'server', 'add', 'enc', '--host', h2.address, '--key', fleet.passphraseKey.privateKey, '--passphrase-env', PASSPHRASE_ENV);
    expect((await show('enc')).auth).toEqual({ kind: 'key', keyFile: fleet.passphraseKey.privateKey, passphraseEnv: PASSPHRASE_ENV });
    const stored = JSON.stringify(query(home, 'SELECT * FROM servers'));
    expect(stored).not.toContain(fleet.passphraseKey.passphrase);
  });

  it('a second server at the same address, or a name differing only by case, is stored with a warning', async () => {
    const r = await cli(home, 'server', 'add', 'WEB', '--host', h1.address, ...key());
    expect(r.code).toBe(0);
    expect(r.err.split('\n')).toEqual([`warning: the name WEB differs only by case from web`, `warning: ${h1.address}:22 is also the address of web`]);
    expect((await show('WEB')).host).toBe(h1.address);
  });

  it('server edit changes address, port, user, key, jump host, sudo and tags; a new address unpins the key, on record', async () => {
    await ok(home, 'server', 'edit', 'enc', '--key', fleet.clientKey.privateKey, '--user', 'scanner', '--sudo', '--tag', 'pci', '--tag', 'web', '--jump', 'web');
    expect(await show('enc')).toMatchObject({ user: 'scanner', sudo: true, tags: ['pci', 'web'], jump: 'web', auth: { kind: 'key', keyFile: fleet.clientKey.privateKey } });
    await ok(home, 'server', 'edit', 'enc', '--no-sudo', '--no-tags', '--no-jump', '--port', '2222');
    expect(await show('enc')).toMatchObject({ sudo: false, tags: [], jump: null, port: 2222 });
    expect((await cli(home, 'server', 'edit', 'enc', '--key', path.join(dir, 'nope'))).err).toBe(`driftwatch: key file ${path.join(dir, 'nope')} does not exist`);
    expect((await show('enc')).auth.keyFile).toBe(fleet.clientKey.privateKey);

    const moved = await cli(home, 'server', 'edit', 'web', '--host', h2.address);
    expect(moved.code).toBe(0);
    expect(moved.out).toContain(`changed server web: root@${h2.address}:22 (key auth)`);
    expect(moved.out).toContain('the address changed, so its host key was unpinned: verify and trust it again (driftwatch server trust web)');
    const web = await show('web');
    expect(web.hostKey).toBeNull();
    expect(web.trustHistory.map((t) => [t.by, t.old, t.new, t.how])).toEqual([
      [me, null, h1.hostKeyFingerprint, 'fingerprint given'],
      [me, h1.hostKeyFingerprint, null, `unpinned: the address changed from ${h1.address}:22 to ${h2.address}:22`],
    ]);
    expect((await cli(home, 'server', 'edit', 'web')).code).toBe(2); // nothing to change is a usage error
  });
});

describe('trust is explicit', () => {
  let oldKey: string;
  let newKey: string;

  beforeAll(async () => {
    await ok(home, 'policy', 'add', 'pt');
    await ok(home, 'policy', 'target', 'add', 'pt', '/srv/app', '--recursive');
    await ok(home, 'group', 'add', 'gt', '--policy', 'pt');
    await ok(home, 'server', 'add', 'host1', '--host', h1.address, '--user', 'root', ...key(), '--group', 'gt');
    await ok(home, 'server', 'add', 'host2', '--host', h2.address, '--user', 'root', ...key(), '--group', 'gt');
    await ok(home, 'server', 'trust', 'host2', '--fingerprint', h2.hostKeyFingerprint);
  });

  it('without a named key and without a terminal, nothing is pinned: the fingerprint must be named', async () => {
    const r = await cli(home, 'server', 'trust', 'host1');
    expect(r.code).toBe(2);
    expect(r.err).toContain('driftwatch: stdin is not a terminal, so nobody can confirm the key: name it with --fingerprint SHA256:... (compare it with ssh-keygen -lf on the server) or --from-known-hosts [FILE]');
    expect((await show('host1')).hostKey).toBeNull();
  });

  it('on a terminal it shows the key; anything but yes pins nothing; yes pins it, on record', async () => {
    const no = await onTerminal(home, ['server', 'trust', 'host1'], [[CONFIRM, 'no']]);
    expect(no.code).toBe(1);
    expect(no.screen).toContain(`host1 presents ssh-ed25519 key ${h1.hostKeyFingerprint}\n`);
    expect(no.screen).toContain('nothing was pinned');
    expect((await show('host1')).hostKey).toBeNull();

    const yes = await onTerminal(home, ['server', 'trust', 'host1'], [[CONFIRM, 'yes']]);
    expect(yes.code).toBe(0);
    expect(yes.screen).toContain(`host1 presents ssh-ed25519 key ${h1.hostKeyFingerprint}\n`);
    expect(yes.screen).toContain(`Trust ${h1.hostKeyFingerprint}?`);
    expect(yes.screen).toContain(`pinned host key of host1: ${h1.hostKeyFingerprint}`);
    const s = await show('host1');
    expect(s.hostKey).toBe(h1.hostKeyFingerprint);
    expect(s.trustHistory).toHaveLength(1);
    expect(s.trustHistory[0]).toMatchObject({ by: me, old: null, new: h1.hostKeyFingerprint, how: 'presented key confirmed on a terminal' });
    expect(Date.parse(s.trustHistory[0]!.at)).not.toBeNaN();
    oldKey = h1.hostKeyFingerprint;
    await ok(home, 'baseline', 'pt', '--server', 'host1');
    const { code } = await scanJson(home, '--server', 'host1', '--server', 'host2');
    expect(code).toBe(0);
  });

  it('a changed key: trust on a terminal shows old and new and refuses without --replace; --fingerprint without --replace is refused too', async () => {
    newKey = await h1.regenerateHostKey();
    const { json } = await scanJson(home, '--server', 'host1');
    expect(resultOf(json, 'host1').status).toBe('failed');
    const t = await onTerminal(home, ['server', 'trust', 'host1'], [[CONFIRM, 'yes']]);
    expect(t.code).toBe(1);
    expect(t.screen).toContain(`pinned now: ${oldKey}\npresented:  ${newKey}`);
    expect(t.screen).toContain('a different key is pinned for host1; nothing was changed. If the new key is legitimate, run again with --replace');
    expect(t.screen).not.toContain(CONFIRM);
    const named = await cli(home, 'server', 'trust', 'host1', '--fingerprint', newKey);
    expect(named.code).toBe(1);
    expect(named.err).toBe(`driftwatch: host1 has another key pinned: pinned ${oldKey}, new ${newKey}. Nothing was changed; if the new key is legitimate, replace it (--replace)`);
    expect((await show('host1')).hostKey).toBe(oldKey);
    expect((await show('host1')).trustHistory).toHaveLength(1);
  });

  it('--replace on a terminal, after yes, replaces it, prints old and new, records it and resolves the host-key event', async () => {
    const t = await onTerminal(home, ['server', 'trust', 'host1', '--replace'], [[CONFIRM, 'yes']]);
    expect(t.code).toBe(0);
    expect(t.screen).toContain(`pinned now: ${oldKey}\npresented:  ${newKey}`);
    expect(t.screen).toContain(`replaced the host key of host1: old ${oldKey}, new ${newKey}`);
    const history = (await show('host1')).trustHistory;
    expect(history.map((x) => [x.by, x.old, x.new, x.how])).toEqual([
      [me, null, oldKey, 'presented key confirmed on a terminal'],
      [me, oldKey, newKey, 'presented key confirmed on a terminal'],
    ]);
    const shown = await ok(home, 'server', 'show', 'host1');
    expect(shown).toContain(`trust change ${history[1]!.at} by ${me}: ${oldKey} -> ${newKey} (presented key confirmed on a terminal)`);
    const hostKeyEvents = (await eventsJson(home, '--all', '--server', 'host1')).filter((e) => e.change === 'host_key_mismatch');
    expect(hostKeyEvents).toHaveLength(1);
    expect(hostKeyEvents[0]).toMatchObject({ status: 'resolved', resolution: `the new host key ${newKey} was trusted by ${me} (presented key confirmed on a terminal)` });
    expect((await scanJson(home, '--server', 'host1')).code).toBe(0);
  });
});

describe('a host-key event has a way out that works, and says what it is', () => {
  let id: number;
  let oldKey: string;
  let newKey: string;

  it('event show gives both fingerprints and the two real actions; the JSON offers no accept', async () => {
    oldKey = h2.hostKeyFingerprint;
    newKey = await h2.regenerateHostKey();
    const { json } = await scanJson(home, '--server', 'host2');
    const event = json.events.find((e) => e.server === 'host2' && e.change === 'host_key_mismatch')!;
    id = event.id;
    const text = await ok(home, 'event', 'show', String(id));
    expect(text).toContain(`Event ${id}: the host key of host2 changed`);
    expect(text).toContain(`  pinned:    ${oldKey}\n  presented: ${newKey}`);
    expect(text).toContain('  the new key is legitimate: compare it with `ssh-keygen -lf /etc/ssh/ssh_host_*_key.pub` run on the server\'s console, then');
    expect(text).toContain(`      driftwatch server trust host2 --fingerprint ${newKey} --replace`);
    expect(text).toContain('    (pins it, recorded as a trust change, and resolves this event)');
    expect(text).toContain('  investigate: leave the event open (someone may be posing as the server); nothing is pinned.');
    expect(text).not.toContain('could not fully read');
    expect(await eventShow(id)).toMatchObject({ status: 'open', acceptScopes: [], attributes: [{ name: 'hostKey', baseline: oldKey, current: newKey }] });
  });

  it('accept refuses it, in either scope, saying what to do instead; the event stays open', async () => {
    for (const scope of ['--for-server', '--into-baseline']) {
      const r = await cli(home, 'accept', String(id), scope);
      expect(r.code).toBe(1);
      expect(r.err).toBe(
        `driftwatch: event ${id} is a changed host key, not a file: accepting does not apply. If the new key ${newKey} is legitimate (compare it with ssh-keygen -lf on the server's console), ` +
          `trust it: driftwatch server trust host2 --fingerprint ${newKey} --replace (this resolves the event); otherwise leave it open and investigate`,
      );
    }
    expect((await eventShow(id)).status).toBe('open');
    expect((await show('host2')).hostKey).toBe(oldKey);
  });

  it('the action it names works: the key is pinned, on record, and the event is resolved', async () => {
    const out = await ok(home, 'server', 'trust', 'host2', '--fingerprint', newKey, '--replace');
    expect(out).toBe(`replaced the host key of host2: old ${oldKey}, new ${newKey}`);
    expect(await eventShow(id)).toMatchObject({ status: 'resolved', acceptScopes: [], resolution: `the new host key ${newKey} was trusted by ${me} (fingerprint given)` });
    expect((await show('host2')).trustHistory.at(-1)).toMatchObject({ old: oldKey, new: newKey, how: 'fingerprint given', by: me });
    const text = await ok(home, 'event', 'show', String(id));
    expect(text).toContain(`  resolved: the new host key ${newKey} was trusted by ${me} (fingerprint given)`);
    expect(text).not.toContain('investigate');
    expect((await scanJson(home, '--server', 'host2')).code).toBe(0);
  });
});

describe('removing things keeps the history honest', () => {
  const edit = (h: Host, file: string) => h.sh(`printf 'changed\\n' >> /srv/app/${file}`);
  let etcEvent: number;
  let binEvent: number;

  beforeAll(async () => {
    await ok(home, 'policy', 'add', 'p');
    await ok(home, 'policy', 'target', 'add', 'p', '/srv/app', '--recursive');
    await ok(home, 'policy', 'target', 'add', 'p', '/srv/app/etc', '--recursive', '--critical');
    await ok(home, 'group', 'add', 'g', '--policy', 'p');
    await ok(home, 'server', 'add', 'host3', '--host', h3.address, '--user', 'root', ...key(), '--group', 'g');
    await ok(home, 'server', 'trust', 'host3', '--fingerprint', h3.hostKeyFingerprint);
    await ok(home, 'baseline', 'p', '--server', 'host3');
    await edit(h3, 'etc/app.conf');
    await edit(h3, 'bin/app');
    const { code, json } = await scanJson(home, '--server', 'host3');
    expect(code).toBe(1);
    etcEvent = json.events.find((e) => e.path === '/srv/app/etc/app.conf')!.id;
    binEvent = json.events.find((e) => e.path === '/srv/app/bin/app')!.id;
  });

  it('without a terminal and without --yes, a removal refuses, saying what would go and to pass --yes', async () => {
    const r = await cli(home, 'policy', 'target', 'remove', 'p', '/srv/app/etc');
    expect(r.code).toBe(2);
    expect(r.err).toContain(
      "driftwatch: Removing target /srv/app/etc of policy 'p' takes 0 baselines and 1 open event with it (the events are closed as retired and stay in the history and reports). Nothing was removed: stdin is not a terminal, so pass --yes to confirm",
    );
    expect((await cli(home, 'policy', 'remove', 'p')).err).toContain("Removing policy 'p' takes 1 baseline and 2 open events with it");
    expect((await cli(home, 'group', 'remove', 'g')).err).toContain("Removing group 'g' takes 0 baselines and 2 open events with it");
    expect((await cli(home, 'server', 'remove', 'host3')).err).toContain("Removing server 'host3' takes 0 baselines and 2 open events with it");
    expect((await eventsJson(home, '--server', 'host3')).map((e) => e.id).sort()).toEqual([etcEvent, binEvent].sort());
    expect(query(home, "SELECT COUNT(*) AS n FROM baselines b JOIN policies p ON p.id = b.policy_id WHERE p.name = 'p'")).toEqual([{ n: 1 }]);
  });

  it('a target: --yes retires the open events it decided, with the reason; the others stay open', async () => {
    const out = await ok(home, 'policy', 'target', 'remove', 'p', '/srv/app/etc', '--yes');
    expect(out).toBe("removed target /srv/app/etc of policy 'p': 0 baselines removed, 1 open event retired (kept in the history)");
    expect(await eventShow(etcEvent)).toMatchObject({ status: 'retired', acceptScopes: [], retired: { reason: "target /srv/app/etc was removed from policy 'p'" } });
    expect((await eventShow(binEvent)).status).toBe('open');
    const accept = await cli(home, 'accept', String(etcEvent));
    expect(accept.err).toBe(`driftwatch: event ${etcEvent} is retired (target /srv/app/etc was removed from policy 'p'): it stays in the history and needs nothing more`);
  });

  it('a policy, on a terminal: no keeps it; yes removes it with its baseline and retires its open events', async () => {
    // The file under the removed target is now decided by /srv/app: a new event, honestly.
    const rescan = await scanJson(home, '--server', 'host3');
    const open = rescan.json.events.map((e) => e.id);
    expect(open).toHaveLength(2);
    const no = await onTerminal(home, ['policy', 'remove', 'p'], [[CONFIRM, 'no']]);
    expect(no.code).toBe(1);
    expect(no.screen).toContain("Removing policy 'p' takes 1 baseline and 2 open events with it");
    expect(no.screen).toContain('nothing was removed');
    expect((await cli(home, 'policy', 'show', 'p')).code).toBe(0);

    const yes = await onTerminal(home, ['policy', 'remove', 'p'], [[CONFIRM, 'yes']]);
    expect(yes.code).toBe(0);
    expect(yes.screen).toContain("removed policy 'p': 1 baseline removed, 2 open events retired (kept in the history)");
    expect((await cli(home, 'policy', 'show', 'p')).code).toBe(1);
    expect(await eventsJson(home, '--server', 'host3')).toEqual([]);
    const retired = await eventsJson(home, '--retired', '--server', 'host3');
    expect(retired.filter((e) => open.includes(e.id)).map((e) => [e.status, e.policy, e.retired?.reason])).toEqual([
      ['retired', 'p', "policy 'p' was removed"],
      ['retired', 'p', "policy 'p' was removed"],
    ]);
    // Nothing counts them any more.
    expect((await show('host3')).openEvents).toEqual({ critical: 0, nonCritical: 0 });
  });

  it('a group: --yes retires the open events of the policies its servers no longer get', async () => {
    await ok(home, 'policy', 'add', 'p2');
    await ok(home, 'policy', 'target', 'add', 'p2', '/srv/app/bin', '--recursive');
    await ok(home, 'group', 'assign', 'g', '--policy', 'p2');
    await ok(home, 'baseline', 'p2', '--server', 'host1');
    const { json } = await scanJson(home, '--server', 'host3');
    expect(json.events.map((e) => [e.path, e.policy])).toEqual([['/srv/app/bin/app', 'p2']]);
    const out = await ok(home, 'group', 'remove', 'g', '--yes');
    expect(out).toBe("removed group 'g': 0 baselines removed, 1 open event retired (kept in the history)");
    expect(await eventShow(json.events[0]!.id)).toMatchObject({ status: 'retired', retired: { reason: "group 'g' was removed (its servers are now Unassigned)" } });
  });

  it('moving a server to a group without the policy, or an import that drops the target, retires the events they decided', async () => {
    await ok(home, 'group', 'add', 'g3', '--policy', 'p2');
    await ok(home, 'server', 'move', 'host3', '--group', 'g3');
    const first = (await scanJson(home, '--server', 'host3')).json.events[0]!.id;
    await ok(home, 'server', 'move', 'host3', '--group', 'gt');
    expect(await eventShow(first)).toMatchObject({ status: 'retired', retired: { reason: 'the server moved to gt, whose policies do not include this one' } });

    await ok(home, 'server', 'move', 'host3', '--group', 'g3');
    const second = (await scanJson(home, '--server', 'host3')).json.events[0]!.id;
    expect(second).not.toBe(first);
    const doc = path.join(dir, 'p2.json');
    await ok(home, 'policy', 'export', 'p2', '--out', doc);
    const original = fs.readFileSync(doc, 'utf8');
    const policy = JSON.parse(original) as { targets: { path: string }[] };
    policy.targets[0]!.path = '/srv/app/lib';
    fs.writeFileSync(path.join(dir, 'p2-lib.json'), JSON.stringify(policy));
    await ok(home, 'policy', 'import', path.join(dir, 'p2-lib.json'), '--replace');
    expect(await eventShow(second)).toMatchObject({ status: 'retired', retired: { reason: "target /srv/app/bin was removed from policy 'p2'" } });
    await ok(home, 'policy', 'import', doc, '--replace');
  });

  it('a server: --yes retires its open events; all its events stay queryable under its name, and its baselines stay', async () => {
    const { json } = await scanJson(home, '--server', 'host3');
    const last = json.events[0]!.id;
    const out = await ok(home, 'server', 'remove', 'host3', '--yes');
    expect(out).toBe("removed server 'host3': 0 baselines removed, 1 open event retired (kept in the history)");
    expect(await eventShow(last)).toMatchObject({ server: 'host3', group: 'g3', status: 'retired', retired: { reason: "server 'host3' was removed" } });
    const all = await eventsJson(home, '--all', '--server', 'host3');
    expect(all.map((e) => e.id)).toEqual(expect.arrayContaining([etcEvent, binEvent, last]));
    expect(all.every((e) => e.server === 'host3' && e.status === 'retired')).toBe(true);
    expect(query(home, "SELECT COUNT(*) AS n FROM baselines b JOIN policies p ON p.id = b.policy_id WHERE p.name = 'p2'")).toEqual([{ n: 1 }]);
  });

  it('no event is left open that nobody can change: none without its server or policy', () => {
    expect(query(home, "SELECT id FROM events WHERE status = 'open' AND (server_id IS NULL OR (policy_id IS NULL AND change != 'host_key_mismatch'))")).toEqual([]);
  });

  it('the events CSV has the retired events with when and why', async () => {
    const file = path.join(dir, 'retired.csv');
    await ok(home, 'report', '--format', 'csv', '--out', file, '--status', 'retired', '--server', 'host3');
    const [header, ...rows] = parseCsv(fs.readFileSync(file, 'utf8'));
    const col = (name: string) => header!.indexOf(name);
    expect(rows.map((r) => r[col('status')])).toEqual(rows.map(() => 'retired'));
    expect(rows.map((r) => r[col('retired_reason')])).toContain("policy 'p' was removed");
    expect(rows.map((r) => r[col('retired_reason')])).toContain("server 'host3' was removed");
    expect(rows.every((r) => !Number.isNaN(Date.parse(r[col('retired_at')]!)))).toBe(true);
  });

  it('the PDF report lists the retired events with the reason, and the trust changes', async () => {
    const file = path.join(dir, 'report.pdf');
    await ok(home, 'report', '--format', 'pdf', '--out', file);
    const text = execFileSync('pdftotext', ['-layout', file, '-'], { encoding: 'utf8' });
    const flat = text.replace(/\s+/g, ' ');
    expect(flat).toMatch(/Events in the period: \d+ \(\d+ open, \d+ accepted, \d+ resolved, 7 retired; \d+ critical\)/);
    expect(flat).toContain('retired');
    expect(text.replace(/\s+/g, '')).toContain("policy'p'wasremoved");
    // One row per change: web (pinned, then unpinned by the new address), host2 (pinned, replaced), host1 (pinned, replaced).
    const trust = text.slice(text.indexOf('Host-key trust changes'));
    expect(trust.length).toBeLessThan(text.length);
    expect(trust.match(/^ *(web|host1|host2) +\d{4}-\d\d-\d\d/gm)?.map((l) => l.trim().split(/ +/)[0])).toEqual(['web', 'web', 'host2', 'host1', 'host1', 'host2']);
    expect(trust).toContain(me);
  });
});
