// ~/.ssh/config reading, on fixture files: Host patterns, first-match-wins, wildcard defaults,
// IdentityFile expansion, ProxyJump chains and Include.
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadSshConfig, parseJumpHop, parseProxyJump, parseSshConfig, splitWords } from '../../../src/main/transport/ssh-config.js';

const FIXTURES = join(import.meta.dirname, 'fixtures', 'ssh-config');
const HOME = '/home/tester';

/** Map ~/.ssh/... to the fixture directory, so Include works as it would at home. */
const readFile = (p: string): string => readFileSync(p.replace(`${HOME}/.ssh`, FIXTURES), 'utf8');
const listDir = (p: string): string[] => readdirSync(p.replace(`${HOME}/.ssh`, FIXTURES));

const load = () =>
  loadSshConfig(`${HOME}/.ssh/config`, { home: HOME, localUser: 'me', readFile, listDir });

describe('ssh config', () => {
  it('lists concrete hosts only, in order, includes included', () => {
    const cfg = load();
    expect(cfg.hosts.map((h) => h.alias)).toEqual([
      'lab1',
      'lab2',
      'included-host',
      'web1',
      'web2',
      'web3',
      'db-primary',
      'deep',
      'direct',
      'bastion',
    ]);
  });

  it('applies first-match-wins with wildcard defaults', () => {
    const cfg = load();
    const web1 = cfg.hosts.find((h) => h.alias === 'web1')!;
    expect(web1).toMatchObject({ hostName: 'web1.prod.example.com', user: 'deploy', port: 2222, proxyJump: [] });
    // IdentityFile accumulates in file order, the global one first; tokens and ~ expanded.
    expect(web1.identityFiles).toEqual([`${HOME}/.ssh/id_global`, `${HOME}/.ssh/id_web`, `${HOME}/.ssh/id_deploy@web1.prod.example.com`]);

    const web3 = cfg.hosts.find((h) => h.alias === 'web3')!;
    // !web3 keeps the first block away; `web*` then gives User and Port before `Host *` does.
    expect(web3).toMatchObject({ hostName: '192.0.2.3', user: 'should-not-win', port: 2200 });

    const lab1 = cfg.hosts.find((h) => h.alias === 'lab1')!;
    expect(lab1).toMatchObject({ hostName: 'lab1.lab', user: 'labber', port: 22 });
    expect(lab1.source.file).toBe(`${HOME}/.ssh/conf.d/10-lab.conf`);

    const inc = cfg.hosts.find((h) => h.alias === 'included-host')!;
    expect(inc).toMatchObject({ hostName: 'included-host', user: 'fallback', port: 2022 });
  });

  it('parses ProxyJump chains and Key=value forms', () => {
    const cfg = load();
    const db = cfg.hosts.find((h) => h.alias === 'db-primary')!;
    expect(db).toMatchObject({ hostName: '10.0.5.10', user: 'postgres', port: 22 });
    expect(db.proxyJump).toEqual([{ user: null, host: 'bastion', port: null }]);
    expect(db.identityFiles[1]).toBe('/opt/keys/db key');
    const deep = cfg.hosts.find((h) => h.alias === 'deep')!;
    expect(deep.proxyJump).toEqual([
      { user: 'admin', host: 'bastion', port: 2200 },
      { user: null, host: 'jump2', port: null },
      { user: 'ops', host: '2001:db8::7', port: 22 },
    ]);
    expect(cfg.hosts.find((h) => h.alias === 'direct')!.proxyJump).toEqual([]);
    // A jump alias resolves through the same config.
    expect(cfg.resolve('bastion')).toMatchObject({ hostName: 'bastion.example.com', user: 'jumper' });
  });

  it('resolves names that only wildcards match, and skips Match blocks with a warning', () => {
    const cfg = load();
    expect(cfg.resolve('api.prod.example.com')).toMatchObject({ hostName: 'api.prod.example.com', user: 'produser', port: 22 });
    expect(cfg.resolve('x')).toMatchObject({ hostName: 'single-char-only', user: 'fallback' });
    expect(cfg.warnings.some((w) => /Match/.test(w))).toBe(true);
    expect(cfg.hosts.some((h) => h.alias === 'not-included')).toBe(false);
  });

  it('treats a missing file as empty and ignores missing includes', () => {
    expect(loadSshConfig('/nonexistent/config', { home: HOME }).hosts).toEqual([]);
    const cfg = parseSshConfig('Include missing.conf\nHost a\n  User u\n', { home: '/nonexistent' });
    expect(cfg.hosts).toMatchObject([{ alias: 'a', user: 'u', hostName: 'a' }]);
  });

  it('applies only the block an Include sits in', () => {
    const files: Record<string, string> = { '/h/.ssh/inner': 'User inner\nHost other\n  User other-user\n' };
    const cfg = parseSshConfig('Host a\n  Include inner\nHost b\n  Port 2\n', { home: '/h', readFile: (p) => files[p] ?? '' });
    expect(cfg.resolve('a').user).toBe('inner');
    expect(cfg.resolve('b').user).toBeNull();
    expect(cfg.resolve('b').port).toBe(2);
  });

  it('splits words and hops', () => {
    expect(splitWords('a "b c" \'d e\' f#g # comment')).toEqual(['a', 'b c', 'd e', 'f#g']);
    expect(() => splitWords('"open')).toThrow(/quote/);
    expect(parseJumpHop('u@h:22')).toEqual({ user: 'u', host: 'h', port: 22 });
    expect(parseJumpHop('[::1]:2222')).toEqual({ user: null, host: '::1', port: 2222 });
    expect(parseJumpHop('ssh://h')).toEqual({ user: null, host: 'h', port: null });
    expect(parseProxyJump('NONE')).toEqual([]);
    expect(() => parseJumpHop('u@')).toThrow(/ProxyJump/);
    expect(() => parseJumpHop('h:99999')).toThrow(/ProxyJump/);
  });
});
