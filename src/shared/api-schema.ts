// The shape of every handler's arguments, checked once in dispatch before the handler runs (so a bad
// argument is an `invalid_input` naming the field, never an internal error). The table's type makes
// it complete: a handler added to the contract without a schema here does not compile.
import type { ArgsOf, HandlerName } from './api.js';
import type { AttributeName } from './attributes.js';
import { EVENT_STATUSES } from './event-filter.js';
import { anything, bool, byKind, int, list, noArgs, nullable, num, object, oneOf, optional, partial, str, type Schema } from './validate.js';

const name = str({ min: 1, max: 256 });
const names = list(name);
const text = str();
const id = int({ min: 1 });
const os = oneOf(['linux', 'windows'] as const);
const preview = optional(bool());
const scope = optional(oneOf(['server', 'baseline'] as const));

const auth = byKind({
  local: object({ kind: oneOf(['local'] as const) }),
  agent: object({ kind: oneOf(['agent'] as const) }),
  key: object({ kind: oneOf(['key'] as const), keyFile: text, passphraseEnv: optional(text) }),
  password: object({ kind: oneOf(['password'] as const), passwordEnv: optional(text) }),
});

const serverFields = {
  name,
  local: optional(bool()),
  host: optional(text),
  port: optional(int({ min: 1, max: 65535 })),
  user: optional(text),
  auth: optional(auth),
  os: optional(os),
  group: optional(nullable(name)),
  tags: optional(list(text)),
  shell: optional(text),
  jump: optional(nullable(name)),
  sudo: optional(bool()),
};

// Types only here; the rules (absolute path, depth range, pattern count, safe secret patterns) are
// policies.validTarget's, which also checks imported policy documents.
const targetOptions = {
  depth: optional(nullable(int())),
  include: optional(list(text)),
  exclude: optional(list(text)),
  critical: optional(bool()),
  alert: optional(bool()),
  compare: optional(oneOf(['master', 'self'] as const)),
  // Attribute names are checked by validTarget, whose message lists the known ones.
  ignore: optional(list(text as Schema<AttributeName>)),
  crossMounts: optional(bool()),
  reference: optional(text),
  content: optional(int()),
  contentSecrets: optional(list(text)),
};

const reportFilterFields = {
  server: optional(names),
  group: optional(names),
  policy: optional(names),
  status: optional(oneOf(EVENT_STATUSES)),
  critical: optional(bool()),
  since: optional(text),
  until: optional(text),
  path: optional(text),
  order: optional(oneOf(['asc', 'desc'] as const)),
};
const reportFilter = object(reportFilterFields);
const eventFilter = object({ ...reportFilterFields, offset: optional(int()), limit: optional(int({ min: 0, max: 1_000_000 })) });

const alertProfileFields = {
  name,
  emails: optional(list(text)),
  events: optional(oneOf(['critical', 'non-critical', 'both'] as const)),
  webhook: optional(nullable(text)),
  jsonl: optional(nullable(text)),
  syslog: optional(nullable(text)),
  isDefault: optional(bool()),
};

const smtpFields = {
  host: text,
  port: optional(int({ min: 1, max: 65535 })),
  security: optional(oneOf(['tls', 'starttls', 'none'] as const)),
  user: optional(nullable(text)),
  passwordEnv: optional(nullable(text)),
  password: optional(nullable(text)),
  keepPassword: optional(bool()),
  from: text,
  caFile: optional(nullable(text)),
  tlsInsecure: optional(bool()),
};

const byName = object({ name });
const removal = object({ name, preview });
const groupPolicy = object({ name, policy: name });
const groupProfile = object({ group: name, profile: name });

export const argSchemas: { [K in HandlerName]: Schema<ArgsOf<K>> } = {
  'servers/list': noArgs,
  'store/check': noArgs,
  'servers/get': byName,
  'servers/add': object(serverFields),
  'servers/update': object({ name, patch: partial(serverFields) }),
  'servers/check': byName,
  'servers/remove': removal,
  'servers/move': object({ names, group: nullable(name) }),
  'servers/probeHostKey': byName,
  'servers/trust': object({ name, fingerprint: optional(text), knownHostsFile: optional(text), replace: optional(bool()), how: optional(text) }),
  'events/trustHostKey': object({ id }),
  'servers/importSshConfig': object({ file: optional(text), hosts: optional(list(text)), group: optional(nullable(name)) }),
  'servers/preflight': byName,
  'servers/scanSettings': object({
    name,
    patch: optional(partial({ jobs: int(), nice: bool(), fullEvery: int(), fullEveryDays: num(), maxEntries: int() })),
  }),
  'groups/list': noArgs,
  'groups/add': object({ name, policies: optional(names) }),
  'groups/assign': groupPolicy,
  'groups/unassign': groupPolicy,
  'groups/remove': removal,
  'policies/list': noArgs,
  'policies/get': byName,
  'policies/add': object({ name, os: optional(os), description: optional(text) }),
  'policies/update': object({ name, description: optional(text), os: optional(os) }),
  'policies/remove': removal,
  'policies/addTarget': object({ policy: name, target: object({ ...targetOptions, path: text }) }),
  'policies/updateTarget': object({ policy: name, path: text, target: object({ ...targetOptions, path: optional(text) }) }),
  'policies/removeTarget': object({ policy: name, path: text, preview }),
  'policies/export': byName,
  'policies/import': object({ document: anything(), replace: optional(bool()) }),
  'baselines/list': object({ policy: optional(name) }),
  'baselines/create': object({ policy: name, servers: names, expires: optional(text), comment: optional(text), add: optional(bool()) }),
  'baselines/get': object({ id }),
  'baselines/remove': object({ id }),
  'scans/run': object({ all: optional(bool()), groups: optional(names), servers: optional(names), mode: optional(oneOf(['full', 'quick'] as const)) }),
  'scans/list': object({ server: optional(name), limit: optional(int({ min: 1, max: 1_000_000 })) }),
  'events/list': eventFilter,
  'events/get': object({ id }),
  'events/accept': object({ ids: list(id), note: optional(text), scope }),
  'events/acceptMatching': object({ filter: reportFilter, expected: int(), note: optional(text), scope }),
  'dashboard/summary': noArgs,
  'schedules/list': noArgs,
  'schedules/set': object({ group: name, every: optional(text), cron: optional(text), onStart: optional(bool()) }),
  'schedules/off': object({ group: name }),
  'schedules/runner': noArgs,
  'alertProfiles/list': noArgs,
  'alertProfiles/add': object(alertProfileFields),
  'alertProfiles/update': object({ name, patch: partial(alertProfileFields) }),
  'alertProfiles/remove': byName,
  'alertProfiles/assign': groupProfile,
  'alertProfiles/unassign': groupProfile,
  'smtp/get': noArgs,
  'smtp/set': object(smtpFields),
  'smtp/test': object({ to: text }),
  'alerts/outbox': object({ status: optional(oneOf(['pending', 'sent', 'all'] as const)), limit: optional(int({ min: 1, max: 1_000_000 })) }),
  'alerts/flush': object({ force: optional(bool()) }),
  'reports/csv': object({ kind: oneOf(['events', 'coverage', 'scans'] as const), filter: optional(reportFilter) }),
  'reports/pdf': object({
    kind: optional(oneOf(['compliance', 'events'] as const)),
    group: optional(name),
    since: optional(text),
    until: optional(text),
    filter: optional(reportFilter),
  }),
  'policies/templates': noArgs,
  'policies/fromTemplate': object({ template: name, name: optional(name) }),
};
