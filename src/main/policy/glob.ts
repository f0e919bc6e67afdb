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
    else if (c === '\\' && i + 1 < pattern.length) out += escapeRegExp(pattern[++i]!);
    else if (c === '[') {
      const close = pattern.indexOf(']', i + 2);
      if (close === -1) out += '\\[';
      else {
        let body = pattern.slice(i + 1, close);
        const negate = body.startsWith('!') || body.startsWith('^');
        if (negate) body = body.slice(1);
        out += `[${negate ? '^' : ''}${body.replace(/[\\\]^]/g, '\\$&')}]`;
        i = close;
      }
    } else out += escapeRegExp(c);
  }
  re = new RegExp(out + '$');
  cache.set(pattern, re);
  return re;
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
