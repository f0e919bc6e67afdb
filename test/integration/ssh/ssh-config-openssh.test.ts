// ~/.ssh/config as ssh(1) itself reads it: for each config below, what Driftwatch resolves for a
// host (HostName, User, Port, IdentityFile, ProxyJump) is compared with `ssh -G -F CONFIG HOST`,
// the OpenSSH client's own answer. Each config exercises one rule: Host patterns with negation and
// wildcards, first value wins, Include (plain, globbed, inside a Host block), several
// IdentityFile, ProxyJump, HostName with %h, keywords in any case, quoted values, `=` separators.
// The last block is why the `ssh-config` package does not read it instead: on configs where this
// reader and ssh -G agree, the package resolves the host differently (if it ever agrees, use it).
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import SSHConfig from 'ssh-config';
import { afterAll, describe, expect, it } from 'vitest';
import { loadSshConfig, parseProxyJump } from '../../../src/main/transport/ssh-config.js';

const HOME = os.homedir();
const LOCAL_USER = os.userInfo().username;
const dirs: string[] = [];
afterAll(() => {
  for (const d of dirs) fs.rmSync(d, { recursive: true, force: true });
});

interface Resolved {
  hostName: string;
  user: string;
  port: number;
  identityFiles: string[];
  proxyJump: ReturnType<typeof parseProxyJump>;
}

/** Writes the files (`config` is the main one; `{dir}` in a text stands for the folder) and returns the main file. */
function writeConfig(files: Record<string, string>): { config: string; dir: string } {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'dw-ssh-config-'));
  dirs.push(dir);
  for (const [name, text] of Object.entries(files)) {
    fs.mkdirSync(path.dirname(path.join(dir, name)), { recursive: true });
    fs.writeFileSync(path.join(dir, name), text.replaceAll('{dir}', dir));
  }
  return { config: path.join(dir, 'config'), dir };
}

/** What `ssh -G` says for a host, for the fields Driftwatch uses (`~` expanded as Driftwatch does). */
function openssh(config: string, host: string): Resolved {
  const r = spawnSync('ssh', ['-G', '-F', config, host], { encoding: 'utf8' });
  expect(r.status, `ssh -G ${host}: ${r.stderr}`).toBe(0);
  const lines = r.stdout.split('\n').map((l) => [l.slice(0, l.indexOf(' ')), l.slice(l.indexOf(' ') + 1)] as const);
  const one = (key: string) => lines.find(([k]) => k === key)?.[1];
  const identities = lines.filter(([k]) => k === 'identityfile').map(([, v]) => v.replace(/^~\//, `${HOME}/`));
  const jump = one('proxyjump');
  return {
    hostName: one('hostname')!,
    user: one('user')!,
    port: Number(one('port')),
    identityFiles: identities,
    proxyJump: jump ? parseProxyJump(jump) : [],
  };
}

/** ssh's IdentityFile list when the config names none: its default keys. */
const isDefaultIdentities = (files: string[]) => files.length > 0 && files.every((f) => f.startsWith(`${HOME}/.ssh/id_`));

function driftwatch(config: string, host: string): Resolved {
  const h = loadSshConfig(config, { home: HOME, localUser: LOCAL_USER }).resolve(host);
  return { hostName: h.hostName, user: h.user ?? LOCAL_USER, port: h.port ?? 22, identityFiles: h.identityFiles, proxyJump: h.proxyJump };
}

function expectSameAsOpenssh(files: Record<string, string>, hosts: string[]): void {
  const { config } = writeConfig(files);
  for (const host of hosts) {
    const ours = driftwatch(config, host);
    const theirs = openssh(config, host);
    if (ours.identityFiles.length === 0) {
      expect(isDefaultIdentities(theirs.identityFiles), `${host}: ssh names identity files the config does not`).toBe(true);
      theirs.identityFiles = [];
    }
    expect(ours, host).toEqual(theirs);
  }
}

const hasOpenssh = spawnSync('ssh', ['-V']).status === 0;

describe.runIf(hasOpenssh)('ssh config: Driftwatch resolves a host as ssh -G does', () => {
  it('Host patterns: wildcards (* and ?), several patterns, negation', () => {
    expectSameAsOpenssh(
      {
        config: `Host web* !web3 db?
  HostName %h.prod.example.com
  User deploy
Host web3
  HostName 192.0.2.3
Host *.lab !skip.lab
  User labber
Host *
  Port 2200
`,
      },
      ['web1', 'web3', 'webx', 'db', 'db1', 'db12', 'a.lab', 'skip.lab', 'other'],
    );
  });

  it('the first value obtained wins; a later block or a default never overrides it', () => {
    expectSameAsOpenssh(
      {
        config: `Host app
  User first
Host app
  User second
  Port 2001
Host a*
  Port 2002
  HostName app.example.com
  ProxyJump none
Host *
  User last
  ProxyJump bastion
`,
      },
      ['app', 'api', 'zzz'],
    );
  });

  it('IdentityFile accumulates in file order, the global ones first; quoted paths keep their spaces', () => {
    expectSameAsOpenssh(
      {
        config: `IdentityFile ~/.ssh/id_global
Host web1
  IdentityFile ~/.ssh/id_web
  IdentityFile "/opt/keys/web key"
Host web*
  IdentityFile /opt/keys/all-web
Host *
  IdentityFile=~/.ssh/id_last
`,
      },
      ['web1', 'web2', 'db'],
    );
  });

  it('ProxyJump: chains with user, port and IPv6 hops; `none` is no jump', () => {
    expectSameAsOpenssh(
      {
        config: `Host deep
  ProxyJump admin@bastion:2200,jump2,ops@[2001:db8::7]:22
Host direct
  ProxyJump none
Host *
  ProxyJump bastion
`,
      },
      ['deep', 'direct', 'other'],
    );
  });

  it('Include: a file, a glob (in name order), inside a Host block, and Host blocks of an included file end with it', () => {
    expectSameAsOpenssh(
      {
        config: `Include {dir}/conf.d/*.conf
Host inner
  Include {dir}/inner-only
Host inner outer
  Port 2022
Host *
  User fallback
`,
        'conf.d/20-b.conf': 'Host lab1\n  User from-b\n  HostName lab1.b\n',
        'conf.d/10-a.conf': 'Host lab1 lab2\n  User from-a\nHost *.lab\n  Port 2100\n',
        'conf.d/ignored.txt': 'Host lab2\n  User not-included\n',
        'inner-only': 'User inner-user\nIdentityFile /opt/keys/inner\nHost outer\n  HostName outer.example.com\n',
      },
      ['lab1', 'lab2', 'x.lab', 'inner', 'outer'],
    );
  });

  it('keywords in any case, `=` with or without spaces, quoted values, trailing comments', () => {
    expectSameAsOpenssh(
      {
        config: `HOST mixed
  hostname=mixed.example.com
  USER = "ops user"
  pOrT 2222 # the bastion's port
Host single
  User 'quoted'
  IdentityFile '/opt/keys/sq key'
Host eq
  HostName =eq.example.com
  Port=2223
`,
      },
      ['mixed', 'single', 'eq'],
    );
  });
});

/** What the `ssh-config` package resolves for a host (its Include is not followed: it only parses text). */
function sshConfigPackage(config: string, host: string): Pick<Resolved, 'hostName' | 'user'> {
  const c = SSHConfig.parse(fs.readFileSync(config, 'utf8')).compute(host, { matchExec: false });
  const one = (key: string) => (typeof c[key] === 'string' ? (c[key] as string) : undefined);
  return { hostName: one('HostName') ?? host, user: one('User') ?? LOCAL_USER };
}

describe.runIf(hasOpenssh)('ssh config: the ssh-config package resolves these hosts unlike ssh -G (where Driftwatch agrees)', () => {
  const cases: [string, Record<string, string>, string][] = [
    ['`?` is exactly one character: `Host db?` does not apply to db', { config: 'Host db?\n  HostName db.wrong.example\n' }, 'db'],
    ['single quotes are taken off a value', { config: "Host single\n  User 'quoted'\n" }, 'single'],
    ['%h in HostName is the host asked for', { config: 'Host web\n  HostName %h.prod.example.com\n' }, 'web'],
    ['Include is followed', { config: 'Include {dir}/more\n', more: 'Host lab\n  User from-include\n' }, 'lab'],
  ];
  for (const [rule, files, host] of cases) {
    it(rule, () => {
      const { config } = writeConfig(files);
      const { hostName, user } = openssh(config, host);
      const ours = driftwatch(config, host);
      expect({ hostName: ours.hostName, user: ours.user }).toEqual({ hostName, user });
      expect(sshConfigPackage(config, host)).not.toEqual({ hostName, user });
    });
  }
});
