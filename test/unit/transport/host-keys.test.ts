// Fingerprints and known_hosts, checked against ssh-keygen itself.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  checkKnownHosts,
  entryMatchesHost,
  fingerprint,
  hashHostName,
  keyType,
  knownFingerprints,
  knownHostName,
  normalizeFingerprint,
  parseKnownHosts,
  parsePublicKey,
  patternListMatches,
  verify,
} from '../../../src/main/transport/host-keys.js';

const dir = mkdtempSync(join(tmpdir(), 'dw-hostkeys-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

interface Key {
  line: string;
  blob: Buffer;
  /** What `ssh-keygen -lf` prints. */
  sshKeygenFingerprint: string;
}

function makeKey(type: string, bits?: number): Key {
  const file = join(dir, `key-${type}-${Math.random().toString(36).slice(2)}`);
  execFileSync('ssh-keygen', ['-q', '-t', type, ...(bits ? ['-b', String(bits)] : []), '-N', '', '-C', `test ${type}`, '-f', file]);
  const line = readFileSync(`${file}.pub`, 'utf8').trim();
  const out = execFileSync('ssh-keygen', ['-lf', `${file}.pub`]).toString();
  const fp = /(SHA256:\S+)/.exec(out)![1]!;
  return { line, blob: Buffer.from(line.split(' ')[1]!, 'base64'), sshKeygenFingerprint: fp };
}

let ed: Key;
let ed2: Key;
let ecdsa: Key;
let rsa: Key;
beforeAll(() => {
  ed = makeKey('ed25519');
  ed2 = makeKey('ed25519');
  ecdsa = makeKey('ecdsa', 256);
  rsa = makeKey('rsa', 2048);
});

describe('fingerprint', () => {
  it('matches ssh-keygen -lf for ed25519, ecdsa and rsa keys', () => {
    for (const k of [ed, ed2, ecdsa, rsa]) {
      expect(fingerprint(k.blob)).toBe(k.sshKeygenFingerprint);
      expect(fingerprint(k.blob)).toMatch(/^SHA256:[A-Za-z0-9+/]{43}$/);
    }
  });

  it('reads key types and public key lines', () => {
    expect(keyType(ed.blob)).toBe('ssh-ed25519');
    expect(keyType(ecdsa.blob)).toBe('ecdsa-sha2-nistp256');
    expect(keyType(rsa.blob)).toBe('ssh-rsa');
    expect(keyType(Buffer.from([0, 0]))).toBeNull();
    const parsed = parsePublicKey(ed.line)!;
    expect(parsed.type).toBe('ssh-ed25519');
    expect(parsed.comment).toBe('test ed25519');
    expect(parsed.blob.equals(ed.blob)).toBe(true);
    expect(parsePublicKey('ssh-rsa AAAA')).toBeNull();
    expect(parsePublicKey(`ssh-rsa ${ed.line.split(' ')[1]}`)).toBeNull(); // type disagrees with blob
  });
});

describe('verify', () => {
  it('matches, mismatches and knows nothing', () => {
    const fp = fingerprint(ed.blob);
    expect(verify(fp, fp)).toBe('match');
    expect(verify(fp.slice('SHA256:'.length), fp)).toBe('match'); // pasted without prefix
    expect(verify(`${fp}=`, fp)).toBe('match'); // with base64 padding
    expect(verify(fingerprint(ed2.blob), fp)).toBe('mismatch');
    expect(verify('garbage', fp)).toBe('mismatch');
    expect(verify(null, fp)).toBe('unknown');
    expect(verify(undefined, fp)).toBe('unknown');
    expect(verify('', fp)).toBe('unknown');
    expect(normalizeFingerprint(' SHA256:' + fp.slice(7) + ' ')).toBe(fp);
  });
});

describe('known_hosts', () => {
  const b64 = (k: Key): string => k.line.split(' ').slice(0, 2).join(' ');

  it('parses plain, [host]:port, pattern lists, markers, comments and junk', () => {
    const text = [
      '# a comment',
      '',
      `web1.example.com,192.0.2.10 ${b64(ed)} comment here`,
      `[web2.example.com]:2222 ${b64(ecdsa)}`,
      `*.lab.example.com,!bad.lab.example.com ${b64(rsa)}`,
      `@revoked * ${b64(ed2)}`,
      `@cert-authority *.example.com ${b64(rsa)}`,
      `@bogus-marker host ${b64(rsa)}`,
      'not a valid line',
      `short ssh-ed25519`,
      `mismatched ssh-rsa ${ed.line.split(' ')[1]}`,
    ].join('\n');
    const entries = parseKnownHosts(text);
    expect(entries.map((e) => [e.line, e.marker, e.hosts])).toEqual([
      [3, null, 'web1.example.com,192.0.2.10'],
      [4, null, '[web2.example.com]:2222'],
      [5, null, '*.lab.example.com,!bad.lab.example.com'],
      [6, 'revoked', '*'],
      [7, 'cert-authority', '*.example.com'],
    ]);
    expect(entries[0]!.comment).toBe('comment here');
    expect(entries[0]!.fingerprint).toBe(ed.sshKeygenFingerprint);

    expect(checkKnownHosts(entries, 'web1.example.com', 22, ed.blob).verdict).toBe('match');
    expect(checkKnownHosts(entries, '192.0.2.10', 22, ed.blob).verdict).toBe('match');
    expect(checkKnownHosts(entries, 'WEB1.example.com', 22, ed.blob).verdict).toBe('match');
    const changed = checkKnownHosts(entries, 'web1.example.com', 22, ecdsa.blob);
    expect(changed).toEqual({ verdict: 'mismatch', known: [ed.sshKeygenFingerprint] });
    // Port 22 entries do not name other ports, and [host]:port entries only that port.
    expect(checkKnownHosts(entries, 'web1.example.com', 2200, ed.blob).verdict).toBe('unknown');
    expect(checkKnownHosts(entries, 'web2.example.com', 2222, ecdsa.blob).verdict).toBe('match');
    expect(checkKnownHosts(entries, 'web2.example.com', 22, ecdsa.blob).verdict).toBe('unknown');
    // Wildcards and negation.
    expect(checkKnownHosts(entries, 'a.lab.example.com', 22, rsa.blob).verdict).toBe('match');
    expect(checkKnownHosts(entries, 'bad.lab.example.com', 22, rsa.blob).verdict).toBe('unknown');
    // @revoked wins over everything, for any host; @cert-authority lines are ignored.
    expect(checkKnownHosts(entries, 'web1.example.com', 22, ed2.blob).verdict).toBe('revoked');
    expect(checkKnownHosts(entries, 'other.example.com', 22, rsa.blob).verdict).toBe('unknown');
    expect(knownFingerprints(entries, 'web1.example.com')).toEqual([ed.sshKeygenFingerprint]);
  });

  it('matches entries hashed by ssh-keygen -H, and agrees with ssh-keygen -F', () => {
    const file = join(dir, 'known_hosts');
    writeFileSync(
      file,
      [`server.example.org ${b64(ed)}`, `[10.1.2.3]:2022 ${b64(ecdsa)}`, `other.example.org ${b64(rsa)}`, `@revoked revoked.example.org ${b64(ed2)}`].join('\n') + '\n',
    );
    execFileSync('ssh-keygen', ['-H', '-f', file], { stdio: 'ignore' });
    const text = readFileSync(file, 'utf8');
    expect(text).not.toContain('server.example.org');
    const entries = parseKnownHosts(text);
    expect(entries.filter((e) => e.hashed)).toHaveLength(3); // ssh-keygen -H leaves @revoked lines alone
    expect(checkKnownHosts(entries, 'server.example.org', 22, ed.blob).verdict).toBe('match');
    expect(checkKnownHosts(entries, 'server.example.org', 22, rsa.blob).verdict).toBe('mismatch');
    expect(checkKnownHosts(entries, '10.1.2.3', 2022, ecdsa.blob).verdict).toBe('match');
    expect(checkKnownHosts(entries, '10.1.2.3', 22, ecdsa.blob).verdict).toBe('unknown');
    expect(checkKnownHosts(entries, 'nobody.example.org', 22, ed.blob).verdict).toBe('unknown');
    expect(checkKnownHosts(entries, 'revoked.example.org', 22, ed2.blob).verdict).toBe('revoked');

    for (const [host, expected] of [['server.example.org', true], ['[10.1.2.3]:2022', true], ['nobody.example.org', false]] as const) {
      let found: boolean;
      try {
        execFileSync('ssh-keygen', ['-F', host, '-f', file], { stdio: 'ignore' });
        found = true;
      } catch {
        found = false;
      }
      expect(found).toBe(expected);
      const ours = entries.some((e) => e.marker === null && e.hashed && entryMatchesHost(e, host.replace(/^\[(.*)\]:\d+$/, '$1'), host.startsWith('[') ? 2022 : 22));
      expect(ours).toBe(expected);
    }
  });

  it('hashes names like ssh-keygen', () => {
    const salt = Buffer.alloc(20, 7);
    const hashed = hashHostName('example.com', salt);
    const entries = parseKnownHosts(`${hashed} ${b64(ed)}`);
    expect(entries[0]!.hashed).toBe(true);
    expect(entryMatchesHost(entries[0]!, 'example.com', 22)).toBe(true);
    expect(entryMatchesHost(entries[0]!, 'example.org', 22)).toBe(false);
    expect(knownHostName('h', 22)).toBe('h');
    expect(knownHostName('h', 2222)).toBe('[h]:2222');
  });

  it('matches pattern lists as OpenSSH does', () => {
    expect(patternListMatches('a,b,c', ['b'])).toBe(true);
    expect(patternListMatches('10.0.0.?', ['10.0.0.7'])).toBe(true);
    expect(patternListMatches('10.0.0.?', ['10.0.0.17'])).toBe(false);
    expect(patternListMatches('*,!secret', ['secret'])).toBe(false);
    expect(patternListMatches('!secret', ['other'])).toBe(false); // negation alone never matches
    expect(patternListMatches('a.b', ['aXb'])).toBe(false); // dots are literal
  });
});
