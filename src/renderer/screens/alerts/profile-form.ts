// Alert profiles and SMTP settings as forms show them, and back to the API's inputs. Pure, so they
// are tested on their own. The SMTP password only ever travels from the form to the engine (which
// seals it); the settings the engine returns say whether one is stored, never what it is.
import type { AlertEventChoice, AlertProfile, AlertProfileInput, SmtpInput, SmtpSettings } from '../../../shared/api.js';
import { splitList } from '../../components/format.js';

export const EVENTS_LABEL: Record<AlertEventChoice, string> = {
  critical: 'Critical events only',
  'non-critical': 'Non-critical events only',
  both: 'All events',
};

export interface ProfileForm {
  name: string;
  emails: string;
  events: AlertEventChoice;
  webhook: string;
  jsonl: string;
  syslog: string;
  isDefault: boolean;
}

export function profileFormOf(p: AlertProfile | null): ProfileForm {
  if (!p) return { name: '', emails: '', events: 'both', webhook: '', jsonl: '', syslog: '', isDefault: false };
  return { name: p.name, emails: p.emails.join('\n'), events: p.events, webhook: p.webhook ?? '', jsonl: p.jsonl ?? '', syslog: p.syslog ?? '', isDefault: p.isDefault };
}

export function profileInputOf(form: ProfileForm): AlertProfileInput {
  return {
    name: form.name.trim(),
    emails: splitList(form.emails),
    events: form.events,
    webhook: form.webhook.trim() || null,
    jsonl: form.jsonl.trim() || null,
    syslog: form.syslog.trim() || null,
    isDefault: form.isDefault,
  };
}

/** The ways a profile sends, in a few words each. */
export function channelsOf(p: AlertProfile): { kind: 'email' | 'webhook' | 'jsonl' | 'syslog'; label: string; detail: string }[] {
  const out: { kind: 'email' | 'webhook' | 'jsonl' | 'syslog'; label: string; detail: string }[] = [];
  if (p.emails.length) out.push({ kind: 'email', label: `${p.emails.length} recipient${p.emails.length === 1 ? '' : 's'}`, detail: p.emails.join(', ') });
  if (p.webhook) out.push({ kind: 'webhook', label: 'webhook', detail: p.webhook });
  if (p.jsonl) out.push({ kind: 'jsonl', label: 'JSON lines', detail: p.jsonl });
  if (p.syslog) out.push({ kind: 'syslog', label: 'syslog', detail: p.syslog });
  return out;
}

export type PasswordMode = 'none' | 'keep' | 'new' | 'env';

export interface SmtpForm {
  host: string;
  port: string;
  security: SmtpSettings['security'];
  from: string;
  user: string;
  passwordMode: PasswordMode;
  /** Typed in this form only; cleared once sent. */
  password: string;
  passwordEnv: string;
  caFile: string;
  tlsInsecure: boolean;
}

export const DEFAULT_PORT: Record<SmtpSettings['security'], number> = { starttls: 587, tls: 465, none: 25 };

export function smtpFormOf(s: SmtpSettings | null): SmtpForm {
  if (!s) return { host: '', port: '587', security: 'starttls', from: '', user: '', passwordMode: 'none', password: '', passwordEnv: '', caFile: '', tlsInsecure: false };
  return {
    host: s.host,
    port: String(s.port),
    security: s.security,
    from: s.from,
    user: s.user ?? '',
    passwordMode: s.passwordEnv ? 'env' : s.passwordStored ? 'keep' : 'none',
    password: '',
    passwordEnv: s.passwordEnv ?? '',
    caFile: s.caFile ?? '',
    tlsInsecure: s.tlsInsecure,
  };
}

/** The form as smtp/set's input, or a sentence saying what to fix first. */
export function smtpInputOf(form: SmtpForm): { input: SmtpInput } | { problem: string } {
  const port = form.port.trim() === '' ? DEFAULT_PORT[form.security] : Number(form.port);
  if (!Number.isInteger(port) || port < 1 || port > 65535) return { problem: `The port must be a number from 1 to 65535, not "${form.port}".` };
  const user = form.user.trim() || null;
  if (form.passwordMode !== 'none' && !user) return { problem: 'A password needs a user name.' };
  if (form.passwordMode === 'new' && !form.password) return { problem: 'Type the password to store, or choose another password option.' };
  if (form.passwordMode === 'env' && !form.passwordEnv.trim()) return { problem: 'Name the environment variable that holds the password.' };
  const input: SmtpInput = {
    host: form.host.trim(),
    port,
    security: form.security,
    from: form.from.trim(),
    user,
    caFile: form.caFile.trim() || null,
    tlsInsecure: form.tlsInsecure,
  };
  if (form.passwordMode === 'new') input.password = form.password;
  if (form.passwordMode === 'keep') input.keepPassword = true;
  if (form.passwordMode === 'env') input.passwordEnv = form.passwordEnv.trim();
  return { input };
}

export function describeSmtp(s: SmtpSettings): string {
  const security = s.security === 'tls' ? 'TLS' : s.security === 'starttls' ? 'STARTTLS' : 'no TLS';
  const auth = s.user
    ? `as ${s.user}, ${s.passwordEnv ? `password from $${s.passwordEnv}` : s.passwordStored ? 'password stored sealed' : 'no password'}`
    : 'without signing in';
  return `${s.host}:${s.port} (${security}) ${auth}; mail from ${s.from}`;
}
