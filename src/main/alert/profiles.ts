// Alert profiles: who is told (email recipients, a webhook, a JSON-lines file, a syslog server)
// about which events (critical, non-critical or both). A group uses the profiles assigned to it, or
// else the default profile(s): so every group has one as soon as a default exists.
import { ApiError, type AlertEventChoice, type AlertProfile, type AlertProfileInput } from '../../shared/api.js';
import { getGroupId } from '../inventory/inventory.js';
import { validName } from '../policy/policies.js';
import { now, type Db } from '../store/db.js';
import { parseSyslogTarget } from './syslog.js';

export interface StoredProfile extends AlertProfile {
  id: number;
}

interface ProfileRow {
  id: number;
  name: string;
  events: AlertEventChoice;
  emails_json: string;
  webhook: string | null;
  jsonl: string | null;
  syslog: string | null;
  is_default: number;
}

const EVENTS: AlertEventChoice[] = ['critical', 'non-critical', 'both'];

function fromRow(db: Db, r: ProfileRow): StoredProfile {
  const groups = (db.prepare('SELECT g.name FROM group_alert_profiles gp JOIN groups g ON g.id = gp.group_id WHERE gp.profile_id = ? ORDER BY g.name').all(r.id) as { name: string }[]).map((g) => g.name);
  return {
    id: r.id,
    name: r.name,
    emails: JSON.parse(r.emails_json) as string[],
    events: r.events,
    webhook: r.webhook,
    jsonl: r.jsonl,
    syslog: r.syslog,
    isDefault: r.is_default === 1,
    groups,
  };
}

export function listProfiles(db: Db): StoredProfile[] {
  return (db.prepare('SELECT * FROM alert_profiles ORDER BY name').all() as ProfileRow[]).map((r) => fromRow(db, r));
}

export function getProfile(db: Db, name: string): StoredProfile {
  const r = db.prepare('SELECT * FROM alert_profiles WHERE name = ?').get(name) as ProfileRow | undefined;
  if (!r) throw new ApiError('not_found', `no alert profile named '${name}'`);
  return fromRow(db, r);
}

/** The profiles a group's alerts go to: its own, else the default ones. */
export function profilesForGroup(db: Db, groupId: number | null): StoredProfile[] {
  const own = groupId === null ? [] : (db.prepare('SELECT p.* FROM alert_profiles p JOIN group_alert_profiles gp ON gp.profile_id = p.id WHERE gp.group_id = ? ORDER BY p.name').all(groupId) as ProfileRow[]);
  const rows = own.length ? own : (db.prepare('SELECT * FROM alert_profiles WHERE is_default = 1 ORDER BY name').all() as ProfileRow[]);
  return rows.map((r) => fromRow(db, r));
}

/** A plain mailbox address: local@domain, no display name, no spaces or angle brackets. */
export function validEmail(address: unknown, field = 'email'): string {
  if (typeof address !== 'string' || address.length > 254 || !/^[A-Za-z0-9.!#$%&'*+/=?^_`{|}~-]+@[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?)*$/.test(address)) {
    throw new ApiError('invalid_input', `${field}: not an email address: ${JSON.stringify(address)}`);
  }
  return address;
}

export function validWebhook(url: unknown): string {
  let u: URL;
  try {
    u = new URL(String(url));
  } catch {
    throw new ApiError('invalid_input', `webhook must be an http:// or https:// URL, got ${JSON.stringify(url)}`);
  }
  if (u.protocol !== 'http:' && u.protocol !== 'https:') throw new ApiError('invalid_input', `webhook must be an http:// or https:// URL, got ${JSON.stringify(url)}`);
  return u.toString();
}

function validJsonl(file: unknown): string {
  if (typeof file !== 'string' || !file.startsWith('/') || file.includes('\0')) throw new ApiError('invalid_input', `the JSON-lines file must be an absolute path, got ${JSON.stringify(file)}`);
  return file;
}

function normalize(input: AlertProfileInput): Omit<StoredProfile, 'id' | 'groups'> {
  const name = validName(input.name, 'alert profile');
  const events = input.events ?? 'both';
  if (!EVENTS.includes(events)) throw new ApiError('invalid_input', `events must be one of ${EVENTS.join(', ')}`);
  const emails = [...new Set((input.emails ?? []).map((e) => validEmail(e, 'emails')))];
  const webhook = input.webhook ? validWebhook(input.webhook) : null;
  const jsonl = input.jsonl ? validJsonl(input.jsonl) : null;
  const syslog = input.syslog ? parseSyslogTarget(input.syslog).spec : null;
  return { name, events, emails, webhook, jsonl, syslog, isDefault: input.isDefault ?? false };
}

export function addProfile(db: Db, input: AlertProfileInput): StoredProfile {
  const p = normalize(input);
  if (db.prepare('SELECT 1 FROM alert_profiles WHERE name = ?').get(p.name)) throw new ApiError('conflict', `an alert profile named '${p.name}' exists already`);
  db.prepare('INSERT INTO alert_profiles (name, events, emails_json, webhook, jsonl, syslog, is_default, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)').run(
    p.name,
    p.events,
    JSON.stringify(p.emails),
    p.webhook,
    p.jsonl,
    p.syslog,
    +p.isDefault,
    now(),
  );
  return getProfile(db, p.name);
}

export function updateProfile(db: Db, name: string, patch: Partial<AlertProfileInput>): StoredProfile {
  const old = getProfile(db, name);
  const p = normalize({ ...old, ...patch, name: patch.name ?? old.name });
  if (p.name !== name && db.prepare('SELECT 1 FROM alert_profiles WHERE name = ?').get(p.name)) throw new ApiError('conflict', `an alert profile named '${p.name}' exists already`);
  db.prepare('UPDATE alert_profiles SET name = ?, events = ?, emails_json = ?, webhook = ?, jsonl = ?, syslog = ?, is_default = ? WHERE id = ?').run(
    p.name,
    p.events,
    JSON.stringify(p.emails),
    p.webhook,
    p.jsonl,
    p.syslog,
    +p.isDefault,
    old.id,
  );
  return getProfile(db, p.name);
}

export function removeProfile(db: Db, name: string): void {
  const p = getProfile(db, name);
  db.prepare('DELETE FROM alert_profiles WHERE id = ?').run(p.id);
}

export function assignProfile(db: Db, group: string, profile: string): StoredProfile {
  const gid = getGroupId(db, group);
  const p = getProfile(db, profile);
  db.prepare('INSERT OR IGNORE INTO group_alert_profiles (group_id, profile_id) VALUES (?, ?)').run(gid, p.id);
  return getProfile(db, profile);
}

export function unassignProfile(db: Db, group: string, profile: string): StoredProfile {
  const gid = getGroupId(db, group);
  const p = getProfile(db, profile);
  db.prepare('DELETE FROM group_alert_profiles WHERE group_id = ? AND profile_id = ?').run(gid, p.id);
  return getProfile(db, profile);
}

export function stripProfile(p: StoredProfile): AlertProfile {
  const { id: _id, ...rest } = p;
  return rest;
}
