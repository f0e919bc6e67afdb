// Content-secret patterns run on every kept line of text a monitored host sends, so a pattern that
// backtracks catastrophically would let one file stall a scan (`(a+)+$` on 27 bytes: 7.6 s). The rule
// (docs/security.md): a repeated group — `(...)` followed by *, +, or {n,m} — may contain no
// repetition and no alternative (`(a+)+`, `(a*)*`, `(a|a)*`, `((ab)*c)+` are refused), and no
// backreferences. Conservative by design: a pattern for a secret never needs either.

/** Why a pattern may backtrack catastrophically, or null when it follows the rule. */
export function catastrophicBacktracking(pattern: string): string | null {
  interface Group {
    repeats: boolean;
    alternates: boolean;
  }
  const stack: Group[] = [{ repeats: false, alternates: false }];
  const isQuantifier = (at: number) => pattern[at] === '*' || pattern[at] === '+' || (pattern[at] === '{' && /^\{\d+(,\d*)?\}/.test(pattern.slice(at)));
  let inClass = false;
  for (let i = 0; i < pattern.length; i++) {
    const c = pattern[i]!;
    const top = stack[stack.length - 1]!;
    if (c === '\\') {
      if (!inClass && /[1-9k]/.test(pattern[i + 1] ?? '')) return 'it uses a backreference';
      i++;
      continue;
    }
    if (inClass) {
      if (c === ']') inClass = false;
      continue;
    }
    if (c === '[') inClass = true;
    else if (c === '(') stack.push({ repeats: false, alternates: false });
    else if (c === '|') top.alternates = true;
    else if (c === '*' || c === '+' || c === '?' || c === '{') {
      if (isQuantifier(i)) top.repeats = true;
    } else if (c === ')' && stack.length > 1) {
      const group = stack.pop()!;
      const parent = stack[stack.length - 1]!;
      const repeated = isQuantifier(i + 1);
      if (repeated && (group.repeats || group.alternates)) {
        return `the repeated group ending at character ${i + 1} contains ${group.repeats ? 'a repetition' : 'alternatives'}`;
      }
      parent.repeats ||= group.repeats || repeated;
      parent.alternates ||= group.alternates;
    }
  }
  return null;
}
