// Secrets at rest (the SMTP password, later others). The store never holds a secret in plain text:
// either the settings name an environment variable that holds it (nothing stored at all), or the
// secret is sealed by a cipher and stored as `dwsecret:1:<cipher>:<payload>`.
//
// Ciphers are pluggable. The engine ships `local-key`: AES-256-GCM with a random 256-bit key kept
// in `<home>/secret.key` (mode 0600), next to the store but not in it, so a copied or leaked
// database alone reveals nothing. The Electron app can register a cipher backed by the OS keychain
// (safeStorage) and make it the default; every sealed value names the cipher that sealed it, so a
// process that lacks that cipher (the headless CLI) fails with a clear message instead of garbage.
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { ApiError } from '../../shared/api.js';

export interface SecretCipher {
  /** Short name stored with each sealed value, e.g. 'local-key' or 'safe-storage'. */
  readonly id: string;
  encrypt(plain: string): string;
  decrypt(payload: string): string;
}

export const KEY_FILE = 'secret.key';
const PREFIX = 'dwsecret:1:';

/** AES-256-GCM with a per-home random key file (created on first use, 0600). */
export function localKeyCipher(home: string): SecretCipher {
  const keyPath = path.join(home, KEY_FILE);
  const key = (): Buffer => {
    try {
      const k = Buffer.from(fs.readFileSync(keyPath, 'utf8').trim(), 'base64');
      if (k.length !== 32) throw new Error(`${keyPath} is not a 256-bit key`);
      return k;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
      fs.mkdirSync(home, { recursive: true, mode: 0o700 });
      const k = crypto.randomBytes(32);
      try {
        fs.writeFileSync(keyPath, k.toString('base64') + '\n', { mode: 0o600, flag: 'wx' });
        return k;
      } catch (e) {
        // Another process created it first: use theirs.
        if ((e as NodeJS.ErrnoException).code === 'EEXIST') return Buffer.from(fs.readFileSync(keyPath, 'utf8').trim(), 'base64');
        throw e;
      }
    }
  };
  return {
    id: 'local-key',
    encrypt(plain) {
      const iv = crypto.randomBytes(12);
      const c = crypto.createCipheriv('aes-256-gcm', key(), iv);
      const body = Buffer.concat([c.update(plain, 'utf8'), c.final()]);
      return Buffer.concat([iv, c.getAuthTag(), body]).toString('base64');
    },
    decrypt(payload) {
      const raw = Buffer.from(payload, 'base64');
      if (raw.length < 28) throw new Error('sealed value is truncated');
      const d = crypto.createDecipheriv('aes-256-gcm', key(), raw.subarray(0, 12));
      d.setAuthTag(raw.subarray(12, 28));
      return Buffer.concat([d.update(raw.subarray(28)), d.final()]).toString('utf8');
    },
  };
}

/** The ciphers one engine knows, and which one seals new secrets. */
export class SecretBox {
  private readonly ciphers = new Map<string, SecretCipher>();
  private sealer: string;

  constructor(home: string) {
    const local = localKeyCipher(home);
    this.ciphers.set(local.id, local);
    this.sealer = local.id;
  }

  /** Adds a cipher (e.g. Electron safeStorage); `makeDefault` seals new secrets with it. */
  register(cipher: SecretCipher, makeDefault = false): void {
    if (!/^[a-z0-9-]+$/.test(cipher.id)) throw new Error(`bad cipher id ${JSON.stringify(cipher.id)}`);
    this.ciphers.set(cipher.id, cipher);
    if (makeDefault) this.sealer = cipher.id;
  }

  get defaultCipher(): string {
    return this.sealer;
  }

  seal(plain: string): string {
    const c = this.ciphers.get(this.sealer)!;
    return `${PREFIX}${c.id}:${c.encrypt(plain)}`;
  }

  open(sealed: string): string {
    if (!isSealed(sealed)) throw new ApiError('internal', 'stored secret is not a sealed value');
    const rest = sealed.slice(PREFIX.length);
    const id = rest.slice(0, rest.indexOf(':'));
    const cipher = this.ciphers.get(id);
    if (!cipher) {
      throw new ApiError('invalid_input', `the stored secret was sealed by '${id}', which this process cannot open (seal it again here, or use --password-env)`);
    }
    try {
      return cipher.decrypt(rest.slice(id.length + 1));
    } catch (err) {
      throw new ApiError('invalid_input', `the stored secret cannot be opened with '${id}' (${(err as Error).message}); set it again`);
    }
  }
}

export function isSealed(value: unknown): value is string {
  return typeof value === 'string' && value.startsWith(PREFIX);
}

/** A secret named by an environment variable: the variable must be set and non-empty. */
export function secretFromEnv(variable: string, env: NodeJS.ProcessEnv = process.env): string {
  const v = env[variable];
  if (v === undefined || v === '') throw new ApiError('invalid_input', `environment variable ${variable} (named in the settings) is not set`);
  return v;
}

export function validEnvName(name: unknown): string {
  if (typeof name !== 'string' || !/^[A-Za-z_][A-Za-z0-9_]*$/.test(name)) {
    throw new ApiError('invalid_input', `an environment variable name is letters, digits and _, got ${JSON.stringify(name)}`);
  }
  return name;
}
