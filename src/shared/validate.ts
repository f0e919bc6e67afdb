// A small typed validator for API arguments: each schema checks an unknown value and returns it typed,
// or throws InvalidArgument naming the field ("filter.limit") and what was expected. Objects come back
// rebuilt from their known keys only, so extra keys (`__proto__` included) never reach a handler.

export class InvalidArgument extends Error {
  constructor(
    readonly field: string,
    readonly expected: string,
  ) {
    super(`${field || 'arguments'}: expected ${expected}`);
    this.name = 'InvalidArgument';
  }
}

export interface Schema<T> {
  /** What the value must be, in words (for the error message). */
  readonly expected: string;
  /** Marks an object field that may be absent (undefined). */
  readonly optional?: boolean;
  /** An object's fields by name (what a fuzz test aims at). */
  readonly fields?: Readonly<Record<string, Schema<unknown>>>;
  parse(value: unknown, field: string): T;
}

type Infer<S> = S extends Schema<infer T> ? T : never;

/** Longest text accepted in any argument (a path is at most 4096 bytes; a note or a PEM file path is shorter). */
export const MAX_TEXT = 65_536;
/** Most items in any list argument. */
export const MAX_ITEMS = 100_000;

function schema<T>(expected: string, test: (v: unknown) => boolean, extra: Partial<Schema<T>> = {}): Schema<T> {
  return {
    expected,
    parse(value, field) {
      if (!test(value)) throw new InvalidArgument(field, expected);
      return value as T;
    },
    ...extra,
  };
}

export function str(options: { max?: number; min?: number } = {}): Schema<string> {
  const max = options.max ?? MAX_TEXT;
  const min = options.min ?? 0;
  const expected = min > 0 ? `text of ${min} to ${max} characters` : `text of at most ${max} characters`;
  return schema(expected, (v) => typeof v === 'string' && v.length >= min && v.length <= max);
}

export function int(options: { min?: number; max?: number } = {}): Schema<number> {
  const min = options.min ?? 0;
  const max = options.max ?? Number.MAX_SAFE_INTEGER;
  return schema(`a whole number from ${min} to ${max}`, (v) => typeof v === 'number' && Number.isInteger(v) && v >= min && v <= max);
}

/** A finite number (no NaN or Infinity, which JSON's 1e400 becomes). */
export function num(options: { min?: number; max?: number } = {}): Schema<number> {
  const min = options.min ?? 0;
  const max = options.max ?? Number.MAX_SAFE_INTEGER;
  return schema(`a number from ${min} to ${max}`, (v) => typeof v === 'number' && Number.isFinite(v) && v >= min && v <= max);
}

export function bool(): Schema<boolean> {
  return schema('true or false', (v) => typeof v === 'boolean');
}

export function oneOf<const T extends readonly (string | number)[]>(values: T): Schema<T[number]> {
  return schema(`one of ${values.join(', ')}`, (v) => (values as readonly unknown[]).includes(v));
}

/** Any JSON value, checked by the handler itself (a policy document). */
export function anything(): Schema<unknown> {
  return schema('a value', (v) => v !== undefined);
}

export function nullable<T>(inner: Schema<T>): Schema<T | null> {
  return {
    expected: `${inner.expected} or null`,
    ...(inner.fields ? { fields: inner.fields } : {}),
    parse: (v, field) => (v === null ? null : inner.parse(v, field)),
  };
}

export function optional<T>(inner: Schema<T>): Schema<T | undefined> {
  return {
    expected: inner.expected,
    optional: true,
    ...(inner.fields ? { fields: inner.fields } : {}),
    parse: (v, field) => (v === undefined ? undefined : inner.parse(v, field)),
  };
}

export function list<T>(item: Schema<T>, options: { max?: number } = {}): Schema<T[]> {
  const max = options.max ?? MAX_ITEMS;
  return {
    expected: `a list of at most ${max} items, each ${item.expected}`,
    parse(v, field) {
      if (!Array.isArray(v) || v.length > max) throw new InvalidArgument(field, `a list of at most ${max} items`);
      return v.map((x, i) => item.parse(x, `${field}[${i}]`));
    },
  };
}

type Shape = Record<string, Schema<unknown>>;
// A field may be absent when its schema accepts undefined (optional(...)); `unknown` (anything()) is required.
type OptionalKeys<S extends Shape> = { [K in keyof S]: unknown extends Infer<S[K]> ? never : undefined extends Infer<S[K]> ? K : never }[keyof S];
type ObjectOf<S extends Shape> = { [K in Exclude<keyof S, OptionalKeys<S>>]: Infer<S[K]> } & { [K in OptionalKeys<S>]?: Infer<S[K]> };

function isPlainObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** An object with these fields; fields not in the shape are dropped. */
export function object<S extends Shape>(shape: S): Schema<ObjectOf<S>> {
  return {
    expected: 'an object',
    fields: shape,
    parse(v, field) {
      if (!isPlainObject(v)) throw new InvalidArgument(field, 'an object');
      const out: Record<string, unknown> = {};
      for (const key of Object.keys(shape)) {
        const raw = Object.prototype.hasOwnProperty.call(v, key) ? v[key] : undefined;
        const parsed = shape[key]!.parse(raw, field ? `${field}.${key}` : key);
        if (parsed !== undefined) out[key] = parsed;
      }
      return out as ObjectOf<S>;
    },
  };
}

/** Every field optional (a patch). */
export function partial<S extends Shape>(shape: S): Schema<Partial<ObjectOf<S>>> {
  const loose = Object.fromEntries(Object.entries(shape).map(([k, s]) => [k, s.optional ? s : optional(s)])) as Shape;
  return object(loose) as Schema<Partial<ObjectOf<S>>>;
}

/** One of several object shapes chosen by a `kind` field. */
export function byKind<M extends Record<string, Schema<object>>>(variants: M): Schema<Infer<M[keyof M]>> {
  const kinds = Object.keys(variants);
  return {
    expected: `an object whose kind is one of ${kinds.join(', ')}`,
    parse(v, field) {
      if (!isPlainObject(v)) throw new InvalidArgument(field, 'an object');
      const kind = v.kind;
      if (typeof kind !== 'string' || !Object.prototype.hasOwnProperty.call(variants, kind)) {
        throw new InvalidArgument(field ? `${field}.kind` : 'kind', `one of ${kinds.join(', ')}`);
      }
      return { ...variants[kind]!.parse(v, field), kind } as Infer<M[keyof M]>;
    },
  };
}

/** Arguments of a handler that takes none: whatever is sent is ignored. */
export const noArgs: Schema<void> = { expected: 'nothing', parse: () => undefined };

/** The arguments as a whole: `field` is '' so errors name the argument itself ("limit", "target.path"). */
export function parseArgs<T>(s: Schema<T>, value: unknown): T {
  return s.parse(value, '');
}
