// Built-in policy templates: policy documents (docs/formats.md) shipped as JSON files in
// policy-templates/, one per file; the file name without .json is the template's id.
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { ApiError, type PolicyDocument, type PolicyTemplateInfo } from '../../shared/api.js';
import type { HandlerTable } from '../api/dispatch.js';
import type { Db } from '../store/db.js';
import { importPolicy, parsePolicyDocument, validName, type StoredPolicy } from './policies.js';

/** The templates folder: $DRIFTWATCH_TEMPLATES, next to the sources, or in Electron's resources. */
export function templatesDir(): string {
  const here = path.dirname(fileURLToPath(import.meta.url));
  const candidates = [
    process.env.DRIFTWATCH_TEMPLATES,
    path.resolve(here, '../../../policy-templates'),
    (process as { resourcesPath?: string }).resourcesPath && path.join((process as { resourcesPath?: string }).resourcesPath!, 'policy-templates'),
  ].filter((p): p is string => Boolean(p));
  for (const p of candidates) if (fs.existsSync(p)) return p;
  throw new ApiError('internal', `policy templates not found (looked in ${candidates.join(', ')})`);
}

export function loadTemplate(id: string, dir = templatesDir()): PolicyDocument {
  if (!/^[a-z0-9][a-z0-9-]*$/.test(id)) throw new ApiError('not_found', `no policy template '${id}'`);
  const file = path.join(dir, `${id}.json`);
  if (!fs.existsSync(file)) throw new ApiError('not_found', `no policy template '${id}' (see driftwatch policy templates)`);
  let doc: unknown;
  try {
    doc = JSON.parse(fs.readFileSync(file, 'utf8'));
  } catch (err) {
    throw new ApiError('internal', `policy template ${file} is not valid JSON: ${(err as Error).message}`);
  }
  return parsePolicyDocument(doc);
}

export function listTemplates(dir = templatesDir()): PolicyTemplateInfo[] {
  return fs
    .readdirSync(dir)
    .filter((f) => f.endsWith('.json'))
    .sort()
    .map((f) => {
      const id = f.slice(0, -5);
      const d = loadTemplate(id, dir);
      return { id, name: d.name, os: d.os, description: d.description, targets: d.targets.length };
    });
}

/** A new policy from a template, named `name` (default: the template's own name). */
export function policyFromTemplate(db: Db, template: string, name?: string): StoredPolicy {
  const doc = loadTemplate(template);
  return importPolicy(db, { ...doc, name: name === undefined ? doc.name : validName(name, 'policy') });
}

export function templateHandlers(db: Db): Pick<HandlerTable, 'policies/templates' | 'policies/fromTemplate'> {
  return {
    'policies/templates': () => listTemplates(),
    'policies/fromTemplate': ({ template, name }) => {
      const { id: _id, ...policy } = policyFromTemplate(db, template, name);
      return policy;
    },
  };
}
