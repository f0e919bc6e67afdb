// What a build was made from: every source file and folder below the given paths, with its size and modification
// time. A build stores it next to its output (the stamp); the build is stale when any of them differs now: an edit
// changes a file's mtime, an added, removed or renamed file changes its folder's. Checking it stats each entry of
// the stamp once and reads no folder, about a millisecond, so the CLI does it on every start.
import fs from 'node:fs';
import path from 'node:path';

const line = (rel, stat) => `${rel}\t${stat.size}\t${stat.mtimeMs}\n`;

/** `paths` relative to `root`: files or folders (walked, skipping `skip`, relative to root too). */
export function sourceSignature(root, paths, skip = []) {
  const lines = [];
  const skipped = new Set(skip);
  const stack = [...paths];
  while (stack.length) {
    const rel = stack.pop();
    let stat;
    try {
      stat = fs.statSync(path.join(root, rel));
    } catch (err) {
      if (err.code === 'ENOENT') continue;
      throw err;
    }
    lines.push(line(rel, stat));
    if (!stat.isDirectory()) continue;
    for (const name of fs.readdirSync(path.join(root, rel))) {
      const child = `${rel}/${name}`;
      if (!skipped.has(child)) stack.push(child);
    }
  }
  return lines.sort().join('');
}

/** True when the stamp file is missing, or an entry it lists is gone or has another size or mtime. */
export function isStale(stampFile, root) {
  let stamp;
  try {
    stamp = fs.readFileSync(stampFile, 'utf8');
  } catch {
    return true;
  }
  if (!stamp) return true;
  for (const entry of stamp.split('\n')) {
    if (!entry) continue;
    const rel = entry.slice(0, entry.indexOf('\t'));
    try {
      if (line(rel, fs.statSync(`${root}/${rel}`)) !== `${entry}\n`) return true;
    } catch {
      return true;
    }
  }
  return false;
}
