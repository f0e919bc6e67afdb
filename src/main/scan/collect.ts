// Runs the scanner through a transport and gathers its stream into entries. Nothing here writes
// to the store: a failure anywhere (transport, exit status, malformed or truncated output) throws,
// and the caller stores nothing but the failure.
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { EntryAttributes } from '../../shared/domain.js';
import type { Transport, RunOptions } from '../transport/transport.js';
import type { ScanPlan } from './plan.js';
import { RecordParser, type ByteString, type MetaRecord, type ScanRecordEvent } from './records.js';

export interface ScannedEntry {
  path: ByteString;
  /** Indices of the walks (plan.walks) that found it. */
  walks: number[];
  attrs: EntryAttributes;
  error: string | null;
}

export interface Collected {
  entries: Map<ByteString, ScannedEntry>;
  walkState: ('ok' | 'missing')[];
}

export class ScanFailure extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ScanFailure';
  }
}

let scriptCache: string | null = null;

/** The scanner script: next to the sources, or in Electron's resources when packaged. */
export function scannerScript(): string {
  if (scriptCache) return scriptCache;
  const here = path.dirname(fileURLToPath(import.meta.url));
  const candidates = [
    process.env.DRIFTWATCH_SCRIPTS && path.join(process.env.DRIFTWATCH_SCRIPTS, 'scan.sh'),
    path.resolve(here, '../../../remote-scripts/scan.sh'),
    (process as { resourcesPath?: string }).resourcesPath && path.join((process as { resourcesPath?: string }).resourcesPath!, 'remote-scripts/scan.sh'),
  ].filter((p): p is string => Boolean(p));
  for (const p of candidates) if (fs.existsSync(p)) return (scriptCache = fs.readFileSync(p, 'utf8'));
  throw new Error(`scanner script not found (looked in ${candidates.join(', ')})`);
}

export async function collect(transport: Transport, plan: ScanPlan, options: RunOptions = {}): Promise<Collected> {
  const entries = new Map<ByteString, ScannedEntry>();
  const walkState: ('ok' | 'missing')[] = plan.walks.map(() => 'missing');
  const onRecord = (r: ScanRecordEvent) => {
    switch (r.kind) {
      case 'target':
        if (r.target >= plan.walks.length) throw new ScanFailure(`malformed scanner output: unknown target ${r.target}`);
        walkState[r.target] = r.state;
        return;
      case 'entry': {
        if (r.target >= plan.walks.length) throw new ScanFailure(`malformed scanner output: unknown target ${r.target}`);
        const seen = entries.get(r.path);
        if (seen) {
          if (!seen.walks.includes(r.target)) seen.walks.push(r.target);
        } else entries.set(r.path, { path: r.path, walks: [r.target], attrs: attributesOf(r), error: r.error });
        return;
      }
      case 'device': {
        const e = entries.get(r.path);
        if (e) e.attrs.device = r.device;
        return;
      }
      case 'hash': {
        const e = entries.get(r.path);
        if (e && e.attrs.type === 'file') e.attrs.sha256 = r.sha256;
        return;
      }
      case 'end':
        return;
    }
  };

  const proc = await transport.runScript(scannerScript(), plan.args, options);
  const parser = new RecordParser(onRecord);
  try {
    for await (const chunk of proc.stdout) parser.push(chunk as Buffer);
  } catch (err) {
    proc.kill(err instanceof Error ? err.message : String(err));
    await proc.done.catch(() => undefined);
    throw err instanceof ScanFailure ? err : new ScanFailure(err instanceof Error ? err.message : String(err));
  }
  let exit;
  try {
    exit = await proc.done;
  } catch (err) {
    throw new ScanFailure(err instanceof Error ? err.message : String(err));
  }
  if (exit.code !== 0) {
    const detail = exit.stderr.trim().split('\n').slice(-3).join('; ') || (exit.signal ? `killed by ${exit.signal}` : 'no message');
    throw new ScanFailure(`scanner exited with status ${exit.code ?? exit.signal}: ${detail}`);
  }
  try {
    parser.end();
  } catch (err) {
    throw new ScanFailure((err as Error).message);
  }
  for (const e of entries.values()) {
    if (e.attrs.type === 'file' && e.attrs.sha256 === null && !e.error) {
      e.error = 'not hashed: the file vanished or could not be read during the scan';
    }
  }
  return { entries, walkState };
}

function attributesOf(r: MetaRecord): EntryAttributes {
  return {
    type: r.type,
    mode: r.mode,
    uid: r.uid,
    gid: r.gid,
    owner: r.owner,
    group: r.group,
    size: r.size,
    mtime: r.mtime,
    ctime: r.ctime,
    inode: Number(r.inode),
    nlink: r.nlink,
    device: null,
    target: r.link,
    sha256: null,
  };
}
