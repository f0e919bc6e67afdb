// The pre-flight checks perl's attribute reader against the host's own tools (lsattr, getfattr)
// on /: where they agree perl reads the attributes; where they disagree (here a perl wrapped to
// report every entry immutable) the scan reads them with the tools instead and says so.
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { byteString } from '../../../src/main/model/entry.js';
import { entryLines, scan, scannerHosts, target, type Variant } from './helpers.js';

const WARNING = "perl's attribute reader disagreed with the host's tools on / (flags) and was not used: the tools read the attributes beyond stat(2)";

let tree = '';
let honest: Variant;
let noperl: Variant;
/** A host whose perl answers as perl does, except that every K record (the attribute reader's) says immutable. */
let lying = '';
scannerHosts((d, variants) => {
  honest = variants.dash!;
  noperl = variants.noperl!;
  tree = path.join(d, 'tree');
  fs.mkdirSync(path.join(tree, 'sub'), { recursive: true });
  for (const n of ['a', 'b', 'sub/c']) fs.writeFileSync(path.join(tree, n), `${n}\n`);
  // A flag the tools see, which the lying perl would hide behind its own.
  execFileSync('chattr', ['+d', path.join(tree, 'a')]);
  const bin = path.join(d, 'bin-lying-perl');
  fs.mkdirSync(bin);
  const real = execFileSync('sh', ['-c', 'command -v perl']).toString().trim();
  fs.writeFileSync(path.join(bin, 'perl'), `#!/bin/sh\n${real} "$@" | ${real} -0777 -pe 's/(K\\0[^\\0]*\\0)[^\\0]*\\0/\${1}-i\\0/g'\n`, { mode: 0o755 });
  lying = path.join(d, 'sh-lying-perl');
  fs.writeFileSync(lying, `#!/bin/sh\nPATH=${bin}:$PATH exec dash "$@"\n`, { mode: 0o755 });
});

describe('the attribute reader checked against the tools', () => {
  it('an honest perl agrees with lsattr and getfattr on /, and reads the attributes', async () => {
    const c = await scan(honest, [target(tree)]);
    expect(c.facts).toMatchObject({ 'attr-check': 'yes', perl: 'yes', lsattr: 'yes', getfattr: 'yes' });
    expect(c.warnings).toEqual([]);
    expect(c.entries.get(byteString(path.join(tree, 'a')))!.attrs.flags).toBe('d');
  });

  it('a perl that reports flags lsattr does not see is not used: the tools read the attributes, and the scan says so', async () => {
    const c = await scan(lying, [target(tree)]);
    expect(c.facts['attr-check']).toBe('disagree: flags');
    expect(c.facts.perl).toBe('no');
    // perl still frames the hash workers' lines: only the attribute reader failed.
    expect(c.facts['perl-hash']).toBe('yes');
    expect(c.warnings).toContain(WARNING);
    // What the tools read, entry for entry: the flag set on the file, not the lie.
    expect(c.entries.get(byteString(path.join(tree, 'a')))!.attrs.flags).toBe('d');
    expect(entryLines(c)).toEqual(entryLines(await scan(noperl, [target(tree)])));
  });
});
