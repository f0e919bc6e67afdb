// Alert profiles in the store: validation, assignment to groups, the default profile, SMTP settings.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { openEngine } from '../../../src/main/engine/engine.js';

const home = fs.mkdtempSync(path.join(os.tmpdir(), 'dw-profiles-'));
const engine = openEngine({ home });
const h = engine.handlers;
afterAll(() => {
  engine.close();
  fs.rmSync(home, { recursive: true, force: true });
});

describe('alert profiles', () => {
  it('validates what it is given', async () => {
    await expect(Promise.resolve().then(() => h['alertProfiles/add']({ name: 'x', emails: ['not an address'] }))).rejects.toThrow(/not an email address/);
    await expect(Promise.resolve().then(() => h['alertProfiles/add']({ name: 'x', webhook: 'ftp://x' }))).rejects.toThrow(/webhook must be an http/);
    await expect(Promise.resolve().then(() => h['alertProfiles/add']({ name: 'x', jsonl: 'relative.jsonl' }))).rejects.toThrow(/absolute path/);
    await expect(Promise.resolve().then(() => h['alertProfiles/add']({ name: 'x', syslog: 'nowhere' }))).rejects.toThrow(/syslog takes/);
    await expect(Promise.resolve().then(() => h['alertProfiles/add']({ name: 'x', events: 'some' as never }))).rejects.toThrow(/events must be one of/);
    await expect(Promise.resolve().then(() => h['alertProfiles/add']({ name: '../x' }))).rejects.toThrow(/alert profile name/);
  });

  it('adds, assigns, updates and removes', async () => {
    await h['groups/add']({ name: 'Web' });
    const p = await h['alertProfiles/add']({ name: 'ops', emails: ['a@example.com', 'a@example.com', 'b@example.org'], syslog: '127.0.0.1:514', events: 'critical' });
    expect(p).toEqual({ name: 'ops', emails: ['a@example.com', 'b@example.org'], events: 'critical', webhook: null, jsonl: null, syslog: 'udp://127.0.0.1:514', isDefault: false, groups: [] });
    await expect(Promise.resolve().then(() => h['alertProfiles/add']({ name: 'ops' }))).rejects.toThrow(/exists already/);
    expect((await h['alertProfiles/assign']({ group: 'Web', profile: 'ops' })).groups).toEqual(['Web']);
    await expect(Promise.resolve().then(() => h['alertProfiles/assign']({ group: 'Nope', profile: 'ops' }))).rejects.toThrow(/no group named/);
    const u = await h['alertProfiles/update']({ name: 'ops', patch: { events: 'both', webhook: 'https://siem.example.com/in', isDefault: true } });
    expect(u).toMatchObject({ events: 'both', webhook: 'https://siem.example.com/in', isDefault: true, groups: ['Web'], syslog: 'udp://127.0.0.1:514' });
    expect((await h['alertProfiles/unassign']({ group: 'Web', profile: 'ops' })).groups).toEqual([]);
    await h['alertProfiles/remove']({ name: 'ops' });
    expect(await h['alertProfiles/list'](undefined)).toEqual([]);
  });
});

describe('SMTP settings', () => {
  it('validates, defaults the port, and never returns a password', async () => {
    expect(await h['smtp/get'](undefined)).toBeNull();
    await expect(Promise.resolve().then(() => h['smtp/set']({ host: 'mail.example.com', from: 'nope' }))).rejects.toThrow(/not an email address/);
    await expect(Promise.resolve().then(() => h['smtp/set']({ host: 'bad host', from: 'a@b.c' }))).rejects.toThrow(/bad SMTP host/);
    await expect(Promise.resolve().then(() => h['smtp/set']({ host: 'h', from: 'a@b.c', password: 'x' }))).rejects.toThrow(/needs a user name/);
    await expect(Promise.resolve().then(() => h['smtp/set']({ host: 'h', from: 'a@b.c', user: 'u', password: 'x', passwordEnv: 'P' }))).rejects.toThrow(/not both/);
    expect(await h['smtp/set']({ host: 'mail.example.com', security: 'tls', from: 'dw@example.com' })).toMatchObject({ port: 465, security: 'tls' });
    const s = await h['smtp/set']({ host: 'mail.example.com', from: 'dw@example.com', user: 'u', password: 'top-secret' });
    expect(s).toEqual({ host: 'mail.example.com', port: 587, security: 'starttls', user: 'u', passwordEnv: null, passwordStored: true, from: 'dw@example.com', caFile: null, tlsInsecure: false });
    expect(JSON.stringify(await h['smtp/get'](undefined))).not.toContain('top-secret');
    const raw = (engine.db.prepare("SELECT value_json FROM settings WHERE key = 'smtp'").get() as { value_json: string }).value_json;
    expect(raw).not.toContain('top-secret');
    expect(JSON.parse(raw).password).toMatch(/^dwsecret:1:local-key:/);
  });
});
