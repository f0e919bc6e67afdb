// A server's key file is checked when the server is stored: it must exist and hold a private key
// ssh2 can parse. An encrypted key counts as valid without its passphrase (that is read from its
// variable at connection time); nothing read here is stored.
import fs from 'node:fs';
import os from 'node:os';
import type Ssh2 from 'ssh2';
import type { ParsedKey } from 'ssh2';
import { ApiError } from '../../shared/api.js';
import { lazyRequire } from '../lazy-require.js';

// Loaded when a key is checked: otherwise every CLI start would pay for loading ssh2.
const ssh2 = lazyRequire<typeof Ssh2>('ssh2');

export function keyFilePath(keyFile: string): string {
  return keyFile.startsWith('~/') ? `${os.homedir()}/${keyFile.slice(2)}` : keyFile;
}

export function checkKeyFile(keyFile: string): void {
  const file = keyFilePath(keyFile);
  let data: Buffer;
  try {
    data = fs.readFileSync(file);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    throw new ApiError('invalid_input', code === 'ENOENT' ? `key file ${file} does not exist` : `cannot read key file ${file}: ${(err as Error).message}`);
  }
  const parsed = ssh2().utils.parseKey(data);
  if (parsed instanceof Error) {
    if (/no passphrase|encrypted/i.test(parsed.message)) return;
    throw new ApiError('invalid_input', `key file ${file} is not a private key: ${parsed.message}`);
  }
  const key = (Array.isArray(parsed) ? parsed[0] : parsed) as ParsedKey;
  if (!key.isPrivateKey()) throw new ApiError('invalid_input', `key file ${file} holds a public key, not the private key: give the file without .pub`);
}
