// Shell glob patterns as find(1) reads them in the C locale: `*` any run of bytes, `?` one byte,
// `[...]` a class (`!` or `^` negates), `\` quotes the next character. The console uses the same
// matcher to know which baseline entries a target still covers.

const cache = new Map<string, RegExp>();

export function globToRegExp(pattern: string): RegExp {
  let re = cache.get(pattern);
  if (re) return re;
  let out = '^';
  for (let i = 0; i < pattern.length; i++) {
    const c = pattern[i]!;
    if (c === '*') out += '[\\s\\S]*';
    else if (c === '?') out += '[\\s\\S]';
    else if (c === '\\') {
      // A trailing backslash makes the pattern invalid: fnmatch (and so find) matches nothing.
      if (i + 1 === pattern.length) {
        out = NEVER;
        break;
      }
      out += literal(pattern[++i]!);
    } else if (c === '[') {
      const b = bracket(pattern, i);
      if (b === null) out += literal(c); // no closing ]: the [ is an ordinary character
      else if (b === 'invalid') {
        out = NEVER;
        break;
      } else {
        out += b.re;
        i = b.end;
      }
    } else out += literal(c);
  }
  re = new RegExp(out === NEVER ? NEVER : out + '$');
  cache.set(pattern, re);
  return re;
}

const NEVER = '(?!)';

// Character classes of the C locale.
const CLASSES: Record<string, string> = {
  alnum: '0-9A-Za-z', alpha: 'A-Za-z', blank: ' \\t', cntrl: '\\x00-\\x1f\\x7f', digit: '0-9', graph: '\\x21-\\x7e', lower: 'a-z',
  print: '\\x20-\\x7e', punct: '\\x21-\\x2f\\x3a-\\x40\\x5b-\\x60\\x7b-\\x7e', space: '\\t\\n\\v\\f\\r ', upper: 'A-Z', xdigit: '0-9A-Fa-f',
};

/**
 * The bracket expression starting at pattern[start] ('['), as glibc's fnmatch reads it: `!` or `^`
 * negates, a leading `]` is a member, `\` quotes, `a-z` ranges by byte (a reversed range is
 * empty), `[:class:]`, `[.c.]` and `[=c=]`. null when there is no closing `]` (then the `[` is an
 * ordinary character); 'invalid' when fnmatch reports an error (the pattern matches nothing).
 */
function bracket(pattern: string, start: number): { re: string; end: number } | null | 'invalid' {
  let j = start + 1;
  let negate = false;
  if (pattern[j] === '!' || pattern[j] === '^') {
    negate = true;
    j++;
  }
  const items: string[] = [];
  // One member: a character (quoted or collating) or a class; j moves past it.
  const member = (): { char: string } | { cls: string } | null | 'invalid' => {
    const c = pattern[j];
    if (c === undefined) return null;
    if (c === '[' && (pattern[j + 1] === ':' || pattern[j + 1] === '.' || pattern[j + 1] === '=')) {
      const kind = pattern[j + 1]!;
      const close = pattern.indexOf(kind + ']', j + 2);
      if (close !== -1) {
        const name = pattern.slice(j + 2, close);
        j = close + 2;
        if (kind === ':') return CLASSES[name] !== undefined ? { cls: CLASSES[name]! } : 'invalid';
        return name.length === 1 ? { char: name } : 'invalid';
      }
    }
    if (c === '\\') {
      if (j + 1 >= pattern.length) return null;
      j += 2;
      return { char: pattern[j - 1]! };
    }
    j++;
    return { char: c };
  };
  let first = true;
  while (j < pattern.length) {
    if (pattern[j] === ']' && !first) {
      const body = items.join('');
      return { re: body ? `[${negate ? '^' : ''}${body}]` : negate ? '[\\s\\S]' : NEVER, end: j };
    }
    first = false;
    const lo = member();
    if (lo === null || lo === 'invalid') return lo;
    if ('cls' in lo) {
      items.push(lo.cls);
      continue;
    }
    if (pattern[j] === '-' && j + 1 < pattern.length && pattern[j + 1] !== ']') {
      j++;
      const hi = member();
      if (hi === null || hi === 'invalid') return hi;
      if ('cls' in hi) return 'invalid';
      if (lo.char <= hi.char) items.push(`${classChar(lo.char)}-${classChar(hi.char)}`);
      continue;
    }
    items.push(classChar(lo.char));
  }
  return null;
}

function classChar(c: string): string {
  return '\\u' + c.charCodeAt(0).toString(16).padStart(4, '0');
}

function literal(c: string): string {
  return escapeRegExp(c);
}

export function globMatch(pattern: string, subject: string): boolean {
  return globToRegExp(pattern).test(subject);
}

/** Quote a literal path so that a glob matches exactly it. */
export function globEscape(literal: string): string {
  return literal.replace(/[*?[\]\\]/g, '\\$&');
}

function escapeRegExp(c: string): string {
  return c.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&');
}
