// What a build was made from: the name, size and modification time of every source file below the given
// paths. A build stores it next to its output; a later build is due when it differs (an edit, an added or
// removed file, a checkout, a dependency update). Stat-ing a few hundred files takes a millisecond or two.
import fs from 'node:fs';
import path from 'node:path';

/** `paths` relative to `root`: files or folders (walked, skipping `skip`, relative to root too). */
export function sourceSignature(root, paths, skip = []) {
  const files = [];
  const stack = paths.map((p) => path.join(root, p));
  const skipped = new Set(skip.map((p) => path.join(root, p)));
  while (stack.length) {
    const current = stack.pop();
    let entries;
    try {
      entries = fs.readdirSync(current, { withFileTypes: true });
    } catch (err) {
      if (err.code === 'ENOTDIR') files.push(current);
      else if (err.code !== 'ENOENT') throw err;
      continue;
    }
    for (const e of entries) {
      const full = path.join(current, e.name);
      if (skipped.has(full)) continue;
      if (e.isDirectory()) stack.push(full);
      else files.push(full);
    }
  }
  return files
    .sort()
    .map((f) => {
      const s = fs.statSync(f);
      return `${path.relative(root, f)} ${s.size} ${s.mtimeMs}\n`;
    })
    .join('');
}

/** True when the stamp file is missing or holds another signature. */
export function isStale(stampFile, signature) {
  try {
    return fs.readFileSync(stampFile, 'utf8') !== signature;
  } catch {
    return true;
  }
}
