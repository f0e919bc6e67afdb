// Host tools that are replaced, broken or lose results: the scanner checks each tool it uses on
// a known input, frames hash lines without awk, and the console checks that every hashable file
// got a hash or the host's reason, asking once more and then failing the scan, never reporting a
// lost hash as a change. Real trees, real tools, with the wrappers an attacker or a broken host
// would leave on PATH; with perl (its framer) and without (one hasher at a time, then file by file).
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { ScanFailure } from '../../../src/main/scanner/scan-failure.js';
import { memoryReference } from '../../../src/main/scan/reference/stored-reference.js';
import { AWKWARD_NAMES, scan, scannerHosts, target } from './helpers.js';
import { byteString } from '../../../src/main/model/entry.js';

let dir = '';
let tree = '';
/** PATH directories: this machine's tools, and the same without perl. */
let withPerl = '';
let withoutPerl = '';
scannerHosts((d) => {
  dir = d;
  withPerl = process.env.PATH ?? '/usr/bin:/bin';
  withoutPerl = path.join(d, 'hosts', 'noperl');
  tree = path.join(d, 'tree');
  fs.mkdirSync(path.join(tree, 'sub'), { recursive: true });
  for (const n of AWKWARD_NAMES) fs.writeFileSync(Buffer.from(`${tree}/sub/${n}`, 'latin1'), Buffer.from(`content of ${n}\n`, 'latin1'));
  for (let k = 0; k < 300; k++) fs.writeFileSync(path.join(tree, `f${k}`), `file ${k}\n`);
});

/** A host whose PATH starts with `tools` (name → sh script body, or a path to link to), then `base`. */
function host(name: string, base: string, tools: Record<string, string>): string {
  const bin = path.join(dir, `bin-${name}`);
  fs.mkdirSync(bin, { recursive: true });
  for (const [tool, body] of Object.entries(tools)) {
    const p = path.join(bin, tool);
    if (body.startsWith('/')) fs.symlinkSync(body, p);
    else fs.writeFileSync(p, `#!/bin/sh\n${body}\n`, { mode: 0o755 });
  }
  const shell = path.join(dir, `sh-${name}`);
  fs.writeFileSync(shell, `#!/bin/sh\nPATH=${bin}:${base} exec dash "$@"\n`, { mode: 0o755 });
  return shell;
}

const sha = (p: string) => createHash('sha256').update(fs.readFileSync(p)).digest('hex');
/** Every regular file below the tree, by byte-string path, with its sha256. */
function expectedHashes(): Map<string, string> {
  const out = new Map<string, string>();
  const walk = (d: Buffer) => {
    for (const e of fs.readdirSync(d, { withFileTypes: true, encoding: 'buffer' })) {
      const p = Buffer.concat([d, Buffer.from('/'), e.name]);
      if (e.isDirectory()) walk(p);
      else if (e.isFile()) out.set(p.toString('latin1'), sha(p as unknown as string));
    }
  };
  walk(Buffer.from(tree));
  return out;
}

const BASES = [
  ['with perl', () => withPerl],
  ['without perl', () => withoutPerl],
] as const;

describe.each(BASES)('a host %s', (label, base) => {
  const tag = label.replace(' ', '-');

  it('whose awk and sha256sum are sh: every file is hashed, and the broken hasher is named and not used', async () => {
    const shell = host(`sh-tools-${tag}`, base(), { awk: '/bin/sh', sha256sum: '/bin/sh' });
    const full = await scan(shell, [target(tree)]);
    expect(full.facts['checks-failed']).toBe('sha256sum');
    expect(full.facts.hasher).toBe('openssl');
    expect(full.warnings).toContain('tools that failed their check on a known input and were not used: sha256sum');
    const want = expectedHashes();
    const got = new Map([...full.entries.values()].filter((e) => e.attrs.type === 'file').map((e) => [e.path, e.attrs.sha256]));
    expect(got).toEqual(want);
    expect([...full.entries.values()].filter((e) => e.error)).toEqual([]);

    // A quick scan re-reads what changed, with the same tools.
    fs.writeFileSync(path.join(tree, 'f7'), 'changed\n');
    fs.writeFileSync(Buffer.from(`${tree}/sub/new\nline`, 'latin1'), 'changed too\n');
    try {
      const quick = await scan(shell, [target(tree)], { reference: memoryReference(full.entries.values()) });
      expect(quick.mode).toBe('quick');
      const gotQuick = new Map([...quick.entries.values()].filter((e) => e.attrs.type === 'file').map((e) => [e.path, e.attrs.sha256]));
      expect(gotQuick).toEqual(expectedHashes());
    } finally {
      fs.writeFileSync(path.join(tree, 'f7'), 'file 7\n');
      fs.writeFileSync(Buffer.from(`${tree}/sub/new\nline`, 'latin1'), 'content of new\nline\n');
    }
  });

  it('whose openssl is broken: sha256sum hashes instead', async () => {
    const shell = host(`bad-openssl-${tag}`, base(), { openssl: 'echo 0000 "$@"' });
    const full = await scan(shell, [target(tree)]);
    expect(full.facts['checks-failed']).toBe('openssl');
    expect(full.facts.hasher).toBe('sha256sum');
    const got = new Map([...full.entries.values()].filter((e) => e.attrs.type === 'file').map((e) => [e.path, e.attrs.sha256]));
    expect(got).toEqual(expectedHashes());
  });

  it('with no working hasher at all: the scan fails and says which tools failed their check', async () => {
    const shell = host(`no-hasher-${tag}`, base(), { openssl: '/bin/true', sha256sum: '/bin/sh' });
    await expect(scan(shell, [target(tree)])).rejects.toThrow(/no working sha256 tool on this host \(openssl or sha256sum; tools that failed their check: openssl sha256sum\)/);
  });

  it("a file that vanishes before it is hashed is recorded with the host's own reason, and the scan completes", async () => {
    const victim = path.join(tree, 'vanish');
    fs.writeFileSync(victim, 'here for the walk\n');
    const shell = host(`vanish-${tag}`, base(), { openssl: 'for a; do case $a in */vanish) rm -f "$a" ;; esac; done\nexec /usr/bin/openssl "$@"' });
    const full = await scan(shell, [target(tree)]);
    expect(fs.existsSync(victim)).toBe(false);
    const e = full.entries.get(byteString(victim))!;
    expect(e.attrs.sha256).toBeNull();
    expect(e.error).toBe('not hashed: No such file or directory');
    // Every other file has its hash.
    const others = [...full.entries.values()].filter((x) => x.attrs.type === 'file' && x.path !== victim);
    expect(others.every((x) => x.attrs.sha256 && !x.error)).toBe(true);
  });

  it('a hasher that silently gives nothing for a readable file: asked again, then the scan fails naming the pass', async () => {
    const poison = path.join(tree, 'poison');
    fs.writeFileSync(poison, 'the hasher skips me\n');
    try {
      // Skips the file whether named as an argument or given on stdin, and exits 0.
      const body = [
        'case $(readlink /proc/$$/fd/0) in */poison) exit 0 ;; esac',
        'n=$#; for a; do case $a in */poison) ;; *) set -- "$@" "$a" ;; esac; done; shift $n',
        'exec /usr/bin/openssl "$@"',
      ].join('\n');
      const shell = host(`silent-${tag}`, base(), { openssl: body });
      const how = label === 'with perl' ? 'openssl with perl framing' : 'openssl';
      const err = await scan(shell, [target(tree)]).then(
        () => null,
        (e: unknown) => e,
      );
      expect(err).toBeInstanceOf(ScanFailure);
      expect((err as Error).message).toMatch(new RegExp(`^the hash pass \\(${how}\\) gave no hash and no reason for 1 of \\d+ entries, e\\.g\\. '${poison}'; asked twice`));
    } finally {
      fs.rmSync(poison);
    }
  });
});

describe('a host whose perl reads attributes for the probe but returns nothing for the real walk', () => {
  it('the attribute pass is counted: asked again, then the scan fails naming it', async () => {
    // Passes the probe and the pre-flight's check against the tools, and frames hashes (its arguments then end in
    // "probe" or "b", or hold "--"), swallows the attribute passes of the scan (its walk, then the list run's paths).
    const body = ['last=; for a; do last=$a; done', 'case " $* " in *" -- "*) exec /usr/bin/perl "$@" ;; esac', 'case $last in probe | b) exec /usr/bin/perl "$@" ;; esac', 'cat >/dev/null'].join('\n');
    const shell = host('perl-silent', withPerl, { perl: body });
    const err = await scan(shell, [target(tree)]).then(
      () => null,
      (e: unknown) => e,
    );
    expect(err).toBeInstanceOf(ScanFailure);
    expect((err as Error).message).toMatch(/^the attribute pass \(perl\) returned nothing for \d+ files and directories, e\.g\. '.*'; asked twice/);
  });
});

describe('a host whose perl frames no hash line', () => {
  it('perl is named and not used to frame: openssl hashes every file alone, the attribute reader still reads', async () => {
    // Its arguments hold "--" only for the framer (hashrun); the attribute reader runs as perl.
    const body = ['case " $* " in *" -- "*) exit 0 ;; esac', 'exec /usr/bin/perl "$@"'].join('\n');
    const shell = host('perl-no-frames', withPerl, { perl: body });
    const full = await scan(shell, [target(tree)]);
    expect(full.facts).toMatchObject({ 'checks-failed': 'perl', 'perl-hash': 'no', perl: 'yes', hasher: 'openssl', hashers: 'openssl sha256sum' });
    const got = new Map([...full.entries.values()].filter((e) => e.attrs.type === 'file').map((e) => [e.path, e.attrs.sha256]));
    expect(got).toEqual(expectedHashes());
  });
});
