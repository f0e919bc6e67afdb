// Small helpers of the bench.
import { spawnSync } from 'node:child_process';

export const DEFAULT_CORPUS = ['/etc', '/usr/bin', '/usr/sbin', '/usr/lib/x86_64-linux-gnu', '/usr/share'];

export interface Row {
  what: string;
  seconds: number;
  full?: boolean;
  quick?: boolean;
  aide?: boolean;
  /** A floor row: measured on this machine's file system, or inside the loopback host. */
  floor?: 'machine' | 'host';
  /** Which floor this row is compared with (default: this machine's). */
  against?: 'machine' | 'host';
}

export function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2]! : (s[s.length / 2 - 1]! + s[s.length / 2]!) / 2;
}

export function corpusStats(dirs: string[]): { files: number; entries: number; bytes: number } {
  const r = spawnSync('sh', ['-c', `find ${dirs.join(' ')} -printf '%y %s\\n'`], { encoding: 'utf8', maxBuffer: 1 << 28 });
  let files = 0;
  let entries = 0;
  let bytes = 0;
  for (const line of r.stdout.split('\n')) {
    if (!line) continue;
    entries++;
    if (line.startsWith('f ')) {
      files++;
      bytes += Number(line.slice(2));
    }
  }
  return { files, entries, bytes };
}
