// Scanner options that belong to no single file: which tool checks which extended attribute,
// per-server scan settings, and how kept file content is masked.
import { attributeSpec, PREFLIGHT_ORDER, type ToolAttribute } from '../../shared/attributes.js';
import type { FileContent, ServerScanSettings } from '../../shared/domain.js';

/**
 * Which attributes beyond stat(2) a host can check, from its pre-flight facts (tool → "no" when
 * absent): each where it has one of the attribute's tools (attributes.ts). perl (the pre-flight's
 * `perl` fact: it can make the system calls itself) reads them all in one process; getfattr reads
 * all extended attributes, including the ACL and capability ones.
 */
export function checkableBy(facts: Record<string, string>): { checked: ToolAttribute[]; notChecked: { name: ToolAttribute; tool: string }[] } {
  const checked: ToolAttribute[] = [];
  const notChecked: { name: ToolAttribute; tool: string }[] = [];
  for (const name of PREFLIGHT_ORDER) {
    const tools = attributeSpec(name).tools ?? [];
    if (tools.some((t) => facts[t] && facts[t] !== 'no')) checked.push(name);
    else notChecked.push({ name, tool: tools.join(' or ') });
  }
  return { checked, notChecked };
}

/** The warning for output printed before the scanner started; `login` is user@server where known. */
export function loginOutputWarning(bytes: number, login: string | undefined): string {
  const what = `${bytes} byte${bytes === 1 ? '' : 's'}`;
  return login
    ? `the login shell of ${login} printed ${what} before the scanner started; check ~/.bashrc or /etc/bash.bashrc for output in non-interactive shells`
    : `the shell that runs the scanner printed ${what} before the scanner started`;
}

/**
 * The warnings for host tools that failed their check: on a known input (fact checks-failed), and
 * perl's attribute reader where it disagreed with the host's own tools on / (fact attr-check).
 */
export function toolCheckWarnings(facts: Record<string, string>): string[] {
  const failed = (facts['checks-failed'] ?? '').split(' ').filter(Boolean);
  const warnings = failed.length ? [`tools that failed their check on a known input and were not used: ${failed.join(', ')}`] : [];
  const disagreed = /^disagree: (.+)$/.exec(facts['attr-check'] ?? '');
  if (disagreed) warnings.push(`perl's attribute reader disagreed with the host's tools on / (${disagreed[1]}) and was not used: the tools read the attributes beyond stat(2)`);
  return warnings;
}

/** How a server is scanned: the contract's type (domain.ts), one definition for engine and console. */
export type ScanSettings = ServerScanSettings;

export const DEFAULT_SCAN_SETTINGS: ScanSettings = { jobs: 0, nice: true, fullEvery: 10, fullEveryDays: 7, maxEntries: 2_000_000 };
/** The most a server's entry limit may be raised to. */
export const MAX_ENTRIES_LIMIT = 100_000_000;

export const DEFAULT_CONTENT_LIMIT = 65536;
/** The largest content size limit a target may set (16 MiB). */
export const MAX_CONTENT_LIMIT = 16 * 1024 * 1024;
export const DEFAULT_SECRET_PATTERNS = ['password', 'passwd', 'secret', 'key', 'token'];
/** The longest line of kept text the secret patterns are run on (docs/security.md). */
export const MAX_MASKED_LINE = 4096;

const utf8 = new TextDecoder('utf-8', { fatal: true });

/**
 * The text kept of a small file: binary content (a NUL byte, or not UTF-8) is not kept, and each
 * line that matches a secret pattern (case-insensitive) is replaced before anything is stored.
 */
export function maskContent(bytes: Buffer, patterns: string[]): FileContent {
  if (bytes.includes(0)) return { skipped: 'binary' };
  let text: string;
  try {
    text = utf8.decode(bytes);
  } catch {
    return { skipped: 'binary' };
  }
  const res = patterns.map((p) => new RegExp(p, 'i'));
  let masked = 0;
  const lines = text.split('\n').map((line) => {
    // Patterns run on bounded lines only; a longer line is masked whole, never kept unchecked.
    if (line.length > MAX_MASKED_LINE) {
      masked++;
      return `[masked: line longer than ${MAX_MASKED_LINE} characters]`;
    }
    const hit = res.find((re) => re.test(line));
    if (!hit) return line;
    masked++;
    return `[masked: matches ${hit.source}]`;
  });
  return masked ? { text: lines.join('\n'), masked } : { text };
}
