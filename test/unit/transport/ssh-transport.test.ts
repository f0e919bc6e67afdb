// The SSH transport's pure parts: the command line it sends and jump-chain resolution.
import { execFileSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { isLoopback, resolveJumpChain, SshError } from '../../../src/main/transport/ssh-endpoint.js';
import { SshTransport } from '../../../src/main/transport/ssh.js';
import type { Server } from '../../../src/shared/domain.js';

const server = (name: string, jump: string | null = null, extra: Partial<Server> = {}): Server =>
  ({
    name,
    host: `${name}.example.com`,
    port: 22,
    user: 'root',
    auth: { kind: 'agent' },
    os: 'linux',
    group: null,
    tags: [],
    local: false,
    shell: 'sh',
    hostKey: null,
    jump,
    sudo: false,
    ...extra,
  }) as Server;

describe('SshTransport command line', () => {
  const t = new SshTransport({ host: 'h', user: 'u', auth: { kind: 'agent' }, hostKey: null });

  it('quotes every word and execs the shell', () => {
    expect(t.commandLine(['2', 'scan', "it's", '$(id)'])).toBe(`exec 'sh' -s -- '2' 'scan' 'it'\\''s' '$(id)'`);
    expect(t.commandLine([], { sudo: true, shell: 'busybox sh' })).toBe(`exec sudo -n -- 'busybox' 'sh' -s --`);
  });

  it('hands the arguments over intact when a real login shell parses it', () => {
    const args = ['a b', "'", '"', '\\', '$HOME', '`id`', '\n', '-x', ''];
    const out = execFileSync('bash', ['-c', t.commandLine(args)], { input: 'printf "%s\\0" "$@"' });
    expect(out.toString().split('\0').slice(0, -1)).toEqual(args);
  });
});

describe('resolveJumpChain', () => {
  it('returns the chain outermost first', () => {
    const all = [server('a'), server('b', 'a'), server('c', 'b')];
    const lookup = (n: string) => all.find((s) => s.name === n);
    expect(resolveJumpChain(all[2]!, lookup).map((s) => s.name)).toEqual(['a', 'b']);
    expect(resolveJumpChain(all[0]!, lookup)).toEqual([]);
  });

  it('refuses loops, unknown and local jump hosts', () => {
    const loop = [server('a', 'b'), server('b', 'a')];
    expect(() => resolveJumpChain(loop[0]!, (n) => loop.find((s) => s.name === n))).toThrow(/loop/);
    expect(() => resolveJumpChain(server('x', 'nowhere'), () => undefined)).toThrow(SshError);
    const local = server('l', null, { local: true, auth: { kind: 'local' } });
    expect(() => resolveJumpChain(server('x', 'l'), () => local)).toThrow(/local server/);
  });
});

describe('isLoopback (no compression by default to a server on this machine)', () => {
  it('knows 127.0.0.0/8, ::1 and localhost, and nothing else', () => {
    for (const h of ['127.0.0.1', '127.0.1.12', '127.255.255.254', '::1', '[::1]', 'localhost', 'LOCALHOST']) expect(isLoopback(h), h).toBe(true);
    for (const h of ['10.0.0.1', '128.0.0.1', '127.0.0', '127.0.0.1.example.com', 'localhost.example.com', '::2', 'db1']) expect(isLoopback(h), h).toBe(false);
  });
});
