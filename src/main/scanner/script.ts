// The scanner as it is sent: remote-scripts/scan.sh with its parts joined in, one text fed to
// `sh -s --` on stdin (nothing is written on the host). Two kinds of line in a sh file name a part,
// each path relative to remote-scripts/:
//   . ./lib/NAME.sh        a sh library: its text takes the line's place (joined the same way)
//   VAR='@programs/X.sh'   (indented or not) a program run by another process (sh -c "$VAR",
//                          perl -e "$VAR"): the line becomes VAR='<newline><the program's text>',
//                          its leading comment block left out (it describes the file, not the
//                          program)
// A program travels in single quotes, so it may hold none: one that does is refused here.
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

/** Where a line of the joined script comes from: a file below remote-scripts/ and its line (1-based). */
export interface LineOrigin {
  file: string;
  line: number;
}

export interface JoinedScript {
  text: string;
  /** One per line of `text`. */
  origins: LineOrigin[];
}

const ENTRY = 'scan.sh';
const LIBRARY = /^\. \.\/([a-z0-9/-]+\.sh)$/;
const PROGRAM = /^\s*([a-z_][a-z0-9_]*)='@([a-z0-9/-]+\.(?:sh|pl))'$/;
/** Libraries include libraries at most this deep: a loop is refused rather than followed. */
const MAX_DEPTH = 4;

const linesOf = (text: string) => (text.endsWith('\n') ? text.slice(0, -1) : text).split('\n');

/** Joins scan.sh and its parts as found in `dir` (a remote-scripts folder). */
export function joinScanner(dir: string): JoinedScript {
  const out: string[] = [];
  const origins: LineOrigin[] = [];
  const read = (file: string) => fs.readFileSync(path.join(dir, file), 'utf8');
  const put = (line: string, file: string, n: number) => {
    out.push(line);
    origins.push({ file, line: n });
  };
  const library = (file: string, depth: number) => {
    if (depth > MAX_DEPTH) throw new Error(`scanner part ${file}: included ${MAX_DEPTH} levels deep (a loop?)`);
    linesOf(read(file)).forEach((line, i) => {
      const lib = LIBRARY.exec(line);
      const prog = PROGRAM.exec(line);
      if (lib) library(lib[1]!, depth + 1);
      else if (prog) program(prog[1]!, prog[2]!, file, i + 1);
      else put(line, file, i + 1);
    });
  };
  const program = (name: string, part: string, file: string, n: number) => {
    const lines = linesOf(read(part));
    let first = 0;
    while (first < lines.length && /^(#|$)/.test(lines[first]!)) first++;
    if (lines.slice(first).some((l) => l.includes("'"))) throw new Error(`scanner part ${part} holds a single quote: it travels in '...'`);
    put(`${name}='`, file, n);
    lines.slice(first).forEach((line, i) => put(line, part, first + i + 1));
    put(`'`, file, n);
  };
  library(ENTRY, 0);
  return { text: out.join('\n') + '\n', origins };
}

/** The remote-scripts folder: DRIFTWATCH_SCRIPTS, next to the sources (or the compiled CLI), or Electron's resources. */
export function scannerDir(): string {
  const here = path.dirname(fileURLToPath(import.meta.url));
  const resources = (process as { resourcesPath?: string }).resourcesPath;
  const candidates = [
    process.env.DRIFTWATCH_SCRIPTS,
    path.resolve(here, '../../../remote-scripts'),
    resources && path.join(resources, 'remote-scripts'),
  ].filter((p): p is string => Boolean(p));
  for (const dir of candidates) if (fs.existsSync(path.join(dir, ENTRY))) return dir;
  throw new Error(`scanner script not found (looked in ${candidates.map((d) => path.join(d, ENTRY)).join(', ')})`);
}

let joined: string | null = null;

/** The scanner script as sent to each host: joined once, then kept. */
export function scannerScript(): string {
  return (joined ??= joinScanner(scannerDir()).text);
}
