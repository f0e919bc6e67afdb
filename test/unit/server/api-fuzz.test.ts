// Every handler of the contract, called over the real loopback HTTP server (real engine, temp home,
// with its token) with hostile argument shapes: nothing ever answers 500, and a 400 names the field.
// The handler list comes from the schema table, which the compiler keeps complete, so a new handler
// is fuzzed without touching this file. Fixed seed, bounded count.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { startConsole, type RunningConsole } from '../../../src/main/server/serve-command.js';
import { argSchemas } from '../../../src/shared/api-schema.js';
import type { Schema } from '../../../src/shared/validate.js';
import { seededRandom } from '../../support/seeded-random.js';

// A longer or another run: DW_API_FUZZ_SEED=N DW_API_FUZZ_CALLS=N npx vitest run test/unit/server/api-fuzz.test.ts
const SEED = Number(process.env.DW_API_FUZZ_SEED ?? 0x1510);
const CALLS_PER_HANDLER = Number(process.env.DW_API_FUZZ_CALLS ?? 24);

let running: RunningConsole;
let home: string;

beforeAll(async () => {
  home = fs.mkdtempSync(path.join(os.tmpdir(), 'dw-fuzz-home-'));
  running = await startConsole({ home, schedules: false });
});

afterAll(async () => {
  await running.stop();
  fs.rmSync(home, { recursive: true, force: true });
});

// Values as JSON text, so numbers JSON.stringify cannot write (1e400 parses to Infinity) get through.
const HOSTILE_VALUES = [
  'null',
  'true',
  '0',
  '-1',
  '0.5',
  '1e400',
  '-1e400',
  '9007199254740993',
  '18446744073709551615',
  '""',
  '"all"',
  '"NaN"',
  '"-1"',
  '"\\u0000\\u001b[31m"',
  '"../../../etc/passwd"',
  '"(a+)+$"',
  '"2027-02-30"',
  '"__proto__"',
  '"constructor"',
  '[]',
  '[null]',
  '[1,2,3]',
  '[[]]',
  '{}',
  '{"__proto__":{"polluted":1}}',
  '{"constructor":{"prototype":{"polluted":1}}}',
  '{"toString":1,"valueOf":"x"}',
  JSON.stringify('x'.repeat(100_000)),
  // Well-typed values too, so the handlers' own rules are reached (no absolute path: nothing real is scanned).
  '"a"',
  '1',
  '9007199254740991',
  '["a"]',
];

function hostileValue(random: () => number, schema: Schema<unknown> | undefined, depth: number): string {
  // Aim inside nested objects sometimes, so the deeper fields are reached too.
  if (schema?.fields && depth < 3 && random() < 0.4) return hostileObject(random, schema, depth + 1);
  return HOSTILE_VALUES[Math.floor(random() * HOSTILE_VALUES.length)]!;
}

function hostileObject(random: () => number, schema: Schema<unknown>, depth: number): string {
  const fields = Object.keys(schema.fields ?? {});
  const keys = [...fields.filter(() => random() < 0.7), ...(random() < 0.3 ? ['__proto__', 'constructor', 'extra'] : [])];
  const parts = keys.map((k) => `${JSON.stringify(k)}:${hostileValue(random, schema.fields?.[k], depth)}`);
  return `{${parts.join(',')}}`;
}

function hostileArgs(random: () => number, schema: Schema<unknown>): string {
  const r = random();
  if (r < 0.15) return hostileValue(random, undefined, 3);
  if (r < 0.2) return '';
  return hostileObject(random, schema, 0);
}

async function call(name: string, body: string): Promise<{ status: number; envelope: { ok: boolean; error?: { code: string; message: string } } }> {
  const res = await fetch(`${running.server.origin}/api/${name}`, {
    method: 'POST',
    headers: { authorization: `Bearer ${running.server.token}`, 'content-type': 'application/json' },
    body,
  });
  return { status: res.status, envelope: (await res.json()) as { ok: boolean; error?: { code: string; message: string } } };
}

it('answers hostile arguments to every handler without a 500, and a 400 names the field', async () => {
  const random = seededRandom(SEED);
  const names = Object.keys(argSchemas) as (keyof typeof argSchemas)[];
  expect(names.length).toBeGreaterThan(50);
  const failures: string[] = [];
  let invalid = 0;
  for (const name of names) {
    const schema = argSchemas[name] as Schema<unknown>;
    const fields = Object.keys(schema.fields ?? {});
    for (let i = 0; i < CALLS_PER_HANDLER; i++) {
      const body = hostileArgs(random, schema);
      const { status, envelope } = await call(name, body);
      const shown = `${name} ${body.length > 200 ? `${body.slice(0, 200)}…` : body}`;
      if (status >= 500) failures.push(`${shown} → ${status} ${envelope.error?.message}`);
      if (status === 400) {
        invalid++;
        const message = envelope.error?.message ?? '';
        // The whole argument ("arguments") or one of its fields, nested or not, is named.
        const named = /^arguments: /.test(message) || fields.some((f) => new RegExp(`\\b${f}\\b`).test(message));
        if (!named || envelope.error?.code !== 'invalid_input') failures.push(`${shown} → 400 without a field: ${message}`);
      }
    }
  }
  expect(failures).toEqual([]);
  expect(invalid).toBeGreaterThan(names.length * 10);
  // Nothing leaked onto the prototype of plain objects.
  expect(({} as Record<string, unknown>).polluted).toBeUndefined();
});
