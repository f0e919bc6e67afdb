import type { ServerSummary } from '../../../src/shared/api.js';
import type { Entry, FimEvent } from '../../../src/shared/domain.js';

export function entry(path: string, patch: Partial<Entry> = {}): Entry {
  return {
    path,
    type: 'file',
    mode: '0644',
    uid: 0,
    gid: 0,
    owner: 'root',
    group: 'root',
    size: 6,
    mtime: '1732824813.123456789',
    ctime: '1732824813.123456789',
    inode: 42,
    nlink: 1,
    device: null,
    target: null,
    sha256: 'a'.repeat(64),
    ...patch,
  };
}

export function event(id: number, patch: Partial<FimEvent> = {}): FimEvent {
  const path = `/etc/file-${id}.conf`;
  return {
    id,
    server: 'web-1',
    group: 'web',
    policy: 'Linux core',
    path,
    change: 'modified',
    critical: id % 2 === 0,
    alert: false,
    status: 'open',
    firstSeen: '2026-11-01T10:00:00.000Z',
    lastSeen: '2026-11-01T10:00:00.000Z',
    attributes: [
      { name: 'mode', baseline: '0644', current: '0600' },
      { name: 'sha256', baseline: 'a'.repeat(64), current: 'b'.repeat(64) },
    ],
    baselineEntry: entry(path),
    currentEntry: entry(path, { mode: '0600', sha256: 'b'.repeat(64) }),
    acceptScopes: ['server', 'baseline'],
    ...patch,
  };
}

export function server(name: string, patch: Partial<ServerSummary> = {}): ServerSummary {
  return {
    name,
    host: `${name}.example`,
    port: 22,
    user: 'root',
    auth: { kind: 'agent' },
    os: 'linux',
    group: null,
    tags: [],
    local: false,
    shell: 'sh',
    hostKey: null,
    jump: null,
    sudo: false,
    lastScan: null,
    openEvents: { critical: 0, nonCritical: 0 },
    ...patch,
  };
}
