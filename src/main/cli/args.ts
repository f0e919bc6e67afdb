// A small argument parser: each command declares its options; anything else is a usage error.

/**
 * flag: `--x`; value: `--x V` once; list: `--x V`, repeated; names: `--x A B ...` (every word up
 * to the next option), repeated too, so `--server a b` and `--server a --server b` are the same.
 */
export type OptionKind = 'flag' | 'value' | 'list' | 'names';

export interface CommandSpec {
  usage: string;
  options: Record<string, OptionKind>;
  /** Minimum and maximum positional arguments (max Infinity for "any"). */
  positionals: [number, number];
}

export interface Parsed {
  positionals: string[];
  flags: Set<string>;
  values: Map<string, string>;
  lists: Map<string, string[]>;
}

export class UsageError extends Error {
  constructor(
    message: string,
    readonly usage: string,
  ) {
    super(message);
    this.name = 'UsageError';
  }
}

export function parseArgs(argv: string[], spec: CommandSpec): Parsed {
  const out: Parsed = { positionals: [], flags: new Set(), values: new Map(), lists: new Map() };
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    if (arg === '--') {
      // Appended one by one: a spread of a very long argv overflows the call stack.
      for (const rest of argv.slice(i + 1)) out.positionals.push(rest);
      break;
    }
    if (!arg.startsWith('--') || arg === '-') {
      out.positionals.push(arg);
      continue;
    }
    const eq = arg.indexOf('=');
    const name = arg.slice(2, eq === -1 ? undefined : eq);
    const kind = spec.options[name];
    if (!kind) throw new UsageError(`unknown option --${name}`, spec.usage);
    if (kind === 'flag') {
      if (eq !== -1) throw new UsageError(`--${name} takes no value`, spec.usage);
      out.flags.add(name);
      continue;
    }
    let value: string | undefined;
    if (eq !== -1) value = arg.slice(eq + 1);
    else {
      value = argv[++i];
      if (value === undefined) throw new UsageError(`--${name} needs a value`, spec.usage);
    }
    if (kind === 'value') {
      if (out.values.has(name)) throw new UsageError(`--${name} given twice`, spec.usage);
      out.values.set(name, value);
      continue;
    }
    // Appended in place: 30,000 repetitions of an option stay linear.
    let values = out.lists.get(name);
    if (!values) out.lists.set(name, (values = []));
    values.push(value);
    if (kind === 'names') while (i + 1 < argv.length && !argv[i + 1]!.startsWith('-')) values.push(argv[++i]!);
  }
  const [min, max] = spec.positionals;
  if (out.positionals.length < min) throw new UsageError('missing arguments', spec.usage);
  if (out.positionals.length > max) throw new UsageError(`unexpected argument '${out.positionals[max]}'`, spec.usage);
  return out;
}

/** A whole-number option within [min, max] (docs/security.md lists each option's range). */
export function intValue(p: Parsed, name: string, usage: string, range: { min?: number; max?: number } = {}): number | undefined {
  const v = p.values.get(name);
  if (v === undefined) return undefined;
  const min = range.min ?? 0;
  const max = range.max ?? Number.MAX_SAFE_INTEGER;
  if (!/^\d+$/.test(v)) throw new UsageError(`--${name} takes a whole number, got '${v}'`, usage);
  // Compared as text first: a number beyond 2^53 would round before the check.
  if (v.replace(/^0+(?=\d)/, '').length > String(max).length || Number(v) < min || Number(v) > max) {
    throw new UsageError(`--${name} takes a whole number from ${min} to ${max}, got '${v}'`, usage);
  }
  return Number(v);
}
