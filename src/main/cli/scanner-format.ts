// Human output for what the scanner reports about a host: its pre-flight and scan settings.
import type { ServerPreflight, ServerScanSettings } from '../../shared/domain.js';
import { visible } from '../../shared/visible.js';
import { table, when } from './format.js';

const ORDER = ['shell', 'find', 'stat', 'meta', 'hashers', 'hasher', 'cores', 'xargs-parallel', 'getfattr', 'getfacl', 'getcap', 'lsattr', 'od', 'gzip', 'nice', 'renice', 'ionice', 'sudo', 'user', 'kernel', 'selinux-enabled'];

export function preflightText(p: ServerPreflight | null | undefined): string {
  if (!p) return 'pre-flight: not run yet (run: driftwatch server preflight NAME, or scan the server)';
  const keys = [...ORDER.filter((k) => k in p.facts), ...Object.keys(p.facts).filter((k) => !ORDER.includes(k) && !['protocol', 'time', 'jobs', 'niced', 'ioniced', 'login-output'].includes(k))];
  const lines = [`pre-flight (${when(p.at)}):`, table(keys.map((k) => [`  ${visible(k)}`, visible(p.facts[k]!)]), ['  TOOL', 'ON THIS HOST'])];
  lines.push(`checks: ${p.checked.length ? visible(p.checked.join(', ')) : 'no attribute beyond stat'}`);
  if (p.notChecked.length) lines.push(`not checked on this host: ${visible(p.notChecked.map((n) => `${n.name} (needs ${n.tool})`).join(', '))}`);
  for (const w of p.warnings ?? []) lines.push(`warning: ${visible(w)}`);
  return lines.join('\n');
}

export function scanSettingsText(s: ServerScanSettings | undefined): string {
  if (!s) return '';
  const jobs = s.jobs === 0 ? 'one hash worker per core' : `${s.jobs} hash worker${s.jobs === 1 ? '' : 's'}`;
  const full = s.fullEvery === 0 ? 'every scan is full' : `quick scans, a full one after ${s.fullEvery} quick scans or ${s.fullEveryDays} days`;
  return `scanning: ${jobs}, ${s.nice ? 'nice/ionice' : 'normal priority'}, ${full}, at most ${s.maxEntries.toLocaleString('en-US')} entries a scan`;
}
