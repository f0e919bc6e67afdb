// SMTP settings (one mail server for the console) and sending through nodemailer. The password is
// never stored in plain text: it is read from an environment variable named in the settings, or
// stored sealed by the secrets module (src/main/secrets).
import fs from 'node:fs';
import { ApiError, type SmtpInput, type SmtpSettings } from '../../shared/api.js';
import { isSealed, secretFromEnv, validEnvName, type SecretBox } from '../secrets/secrets.js';
import type { Db } from '../store/db.js';
import { validEmail } from './profiles.js';

interface StoredSmtp extends Omit<SmtpSettings, 'passwordStored'> {
  password: string | null; // sealed
}

const KEY = 'smtp';

function load(db: Db): StoredSmtp | null {
  const r = db.prepare('SELECT value_json FROM settings WHERE key = ?').get(KEY) as { value_json: string } | undefined;
  return r ? (JSON.parse(r.value_json) as StoredSmtp) : null;
}

function pub(s: StoredSmtp): SmtpSettings {
  const { password, ...rest } = s;
  return { ...rest, passwordStored: password !== null };
}

export function getSmtp(db: Db): SmtpSettings | null {
  const s = load(db);
  return s ? pub(s) : null;
}

export function setSmtp(db: Db, box: SecretBox, input: SmtpInput): SmtpSettings {
  if (typeof input !== 'object' || input === null) throw new ApiError('invalid_input', 'SMTP settings must be an object');
  const host = input.host;
  if (typeof host !== 'string' || !/^[A-Za-z0-9._:[\]-]+$/.test(host)) throw new ApiError('invalid_input', `bad SMTP host ${JSON.stringify(host)}`);
  const security = input.security ?? 'starttls';
  if (!['tls', 'starttls', 'none'].includes(security)) throw new ApiError('invalid_input', 'security must be tls, starttls or none');
  const port = input.port ?? (security === 'tls' ? 465 : 587);
  if (!Number.isInteger(port) || port < 1 || port > 65535) throw new ApiError('invalid_input', `bad SMTP port ${JSON.stringify(input.port)}`);
  const from = validEmail(input.from, 'from');
  const user = input.user ? String(input.user) : null;
  if (user !== null && (user.length > 256 || /[\0\r\n]/.test(user))) throw new ApiError('invalid_input', 'bad SMTP user name');
  const passwordEnv = input.passwordEnv ? validEnvName(input.passwordEnv) : null;
  if (passwordEnv && input.password) throw new ApiError('invalid_input', 'give the password either in an environment variable or to store (sealed), not both');
  if ((passwordEnv || input.password) && !user) throw new ApiError('invalid_input', 'a password needs a user name (--user)');
  const caFile = input.caFile ? String(input.caFile) : null;
  if (caFile !== null && !fs.existsSync(caFile)) throw new ApiError('invalid_input', `CA file ${caFile} does not exist`);
  if (input.tlsInsecure !== undefined && typeof input.tlsInsecure !== 'boolean') throw new ApiError('invalid_input', 'tlsInsecure must be true or false');
  const stored: StoredSmtp = {
    host,
    port,
    security,
    user,
    passwordEnv,
    password: input.password ? box.seal(String(input.password)) : keptPassword(db, input, user, passwordEnv),
    from,
    caFile,
    tlsInsecure: input.tlsInsecure ?? false,
  };
  if (stored.password !== null && !isSealed(stored.password)) throw new ApiError('internal', 'the password was not sealed');
  db.prepare('INSERT OR REPLACE INTO settings (key, value_json) VALUES (?, ?)').run(KEY, JSON.stringify(stored));
  return pub(stored);
}

/** The sealed password already stored, when the form asks to keep it (same user, no new password, no variable). */
function keptPassword(db: Db, input: SmtpInput, user: string | null, passwordEnv: string | null): string | null {
  if (input.keepPassword !== true || input.password || passwordEnv || user === null) return null;
  const old = load(db);
  return old && old.user === user ? old.password : null;
}

export interface Mail {
  to: string[];
  subject: string;
  text: string;
  html?: string;
}

/** Sends one message with the stored settings; throws with the server's answer on failure. */
export async function sendMail(db: Db, box: SecretBox, mail: Mail, env: NodeJS.ProcessEnv = process.env): Promise<{ messageId: string; response: string }> {
  const s = load(db);
  if (!s) throw new ApiError('invalid_input', 'SMTP is not set up (driftwatch smtp set --host H --port N --from ADDR)');
  const pass = s.passwordEnv ? secretFromEnv(s.passwordEnv, env) : s.password ? box.open(s.password) : null;
  const { default: nodemailer } = await import('nodemailer'); // loaded only when mail is sent (slow to load)
  const transport = nodemailer.createTransport({
    host: s.host,
    port: s.port,
    secure: s.security === 'tls',
    requireTLS: s.security === 'starttls',
    ignoreTLS: s.security === 'none',
    ...(s.user && pass !== null ? { auth: { user: s.user, pass } } : {}),
    tls: { rejectUnauthorized: !s.tlsInsecure, ...(s.caFile ? { ca: fs.readFileSync(s.caFile) } : {}) },
    connectionTimeout: 15_000,
    greetingTimeout: 15_000,
    socketTimeout: 30_000,
    disableFileAccess: true,
    disableUrlAccess: true,
  });
  try {
    const info = await transport.sendMail({ from: `Driftwatch <${s.from}>`, to: mail.to, subject: mail.subject, text: mail.text, ...(mail.html ? { html: mail.html } : {}) });
    if (info.rejected?.length) throw new Error(`recipients rejected: ${info.rejected.map(String).join(', ')}`);
    return { messageId: info.messageId, response: info.response };
  } finally {
    transport.close();
  }
}

export async function testSmtp(db: Db, box: SecretBox, to: string): Promise<{ messageId: string; response: string }> {
  const address = validEmail(to, 'to');
  try {
    return await sendMail(db, box, {
      to: [address],
      subject: '[Driftwatch] SMTP test',
      text: `This is a test message from Driftwatch, sent ${new Date().toISOString()}.\nIf you can read it, alert emails can reach ${address}.\n`,
    });
  } catch (err) {
    if (err instanceof ApiError) throw err;
    throw new ApiError('internal', `SMTP test failed: ${(err as Error).message}`);
  }
}
