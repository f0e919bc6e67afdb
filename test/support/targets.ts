// Targets and policies for tests: every field at its default unless the test says otherwise.
import type { Policy, Target } from '../../src/shared/domain.js';

export const target = (p: string, over: Partial<Target> = {}): Target => ({
  path: p, depth: null, include: [], exclude: [], critical: false, alert: false, compare: 'master', ignore: [], crossMounts: false, ...over,
});

export const policy = (name: string, targets: Target[]): Policy => ({ name, os: 'linux', description: '', targets });
