// The one API contract. The engine implements every handler; the CLI, the Electron IPC bridge and
// the loopback HTTP server call the same handlers, and the renderer reaches them through `call`.
import type {
  AcceptScope,
  BaselineInfo,
  BaselineReport,
  FimEvent,
  Group,
  Policy,
  ScanRecord,
  Server,
  ServerAuth,
  ServerOs,
  ScanMode,
  ServerPreflight,
  ServerScanResult,
  ServerScanSettings,
  Target,
  TrustChange,
} from './domain.js';

export interface ServerInput {
  name: string;
  local?: boolean;
  host?: string;
  port?: number;
  user?: string;
  auth?: ServerAuth;
  os?: ServerOs;
  group?: string | null;
  tags?: string[];
  shell?: string;
  jump?: string | null;
  sudo?: boolean;
}

export interface ImportedHost {
  name: string;
  status: 'added' | 'exists' | 'skipped';
  detail: string;
}

export interface ServerSummary extends Server {
  lastScan: { status: ScanRecord['status']; at: string; reason?: string } | null;
  openEvents: { critical: number; nonCritical: number };
  /** What the host offered at its last scan or pre-flight (absent before either). */
  preflight?: ServerPreflight | null;
  scanSettings?: ServerScanSettings;
  /** Every change of the pinned host key, oldest first. */
  trustHistory?: TrustChange[];
}

/** What a removal takes with it; with `preview` nothing is removed yet (the confirmation shows it). */
export interface RemovalImpact {
  /** e.g. "policy 'core'". */
  what: string;
  /** Baselines removed with it. */
  baselines: number;
  /** Open events closed as `retired` (they stay in the history and reports). */
  openEvents: number;
  /** One sentence for the confirmation and the result. */
  message: string;
}

/** A server as stored, with what looks like a mistake (same address, a name differing only by case): warnings, not refusals. */
export interface ServerSaved extends Server {
  warnings: string[];
}

/** The filter vocabulary of events, reports and the console (docs/formats.md; checked by shared/event-filter.ts). */
export interface EventFilter {
  server?: string[];
  group?: string[];
  policy?: string[];
  /** Default 'open' (reports: 'all'). */
  status?: 'open' | 'all' | 'resolved' | 'accepted' | 'retired';
  critical?: boolean;
  /** Seen at or after (last seen): ISO 8601, or a time ago (30m, 24h, 7d, 2w). */
  since?: string;
  /** First seen at or before: ISO 8601, or a time ago. */
  until?: string;
  /** A substring of the path, or a glob over the whole path when it has * ? or [ (`*` also matches `/`). */
  path?: string;
  /** By event id: 'asc' (oldest first, the default) or 'desc' (newest first, the console's). */
  order?: 'asc' | 'desc';
  offset?: number;
  limit?: number;
}

export interface EventPage {
  total: number;
  events: FimEvent[];
}

export interface ScanRequest {
  all?: boolean;
  groups?: string[];
  servers?: string[];
  /** Force a full or a quick scan; by default each server's settings decide. */
  mode?: ScanMode;
}

export interface ScanRun {
  servers: ServerScanResult[];
  events: FimEvent[];
}

export interface DashboardSummary {
  groups: { name: string; policies: string[]; servers: ServerSummary[] }[];
  openEvents: { critical: number; nonCritical: number };
  expiringBaselines: BaselineInfo[];
  /** Servers no scan has completed on yet (failed attempts do not count). */
  neverScanned: string[];
  /** Servers monitored for more than 7 days whose last completed comparison is older than that. */
  staleServers: string[];
  /** Servers whose last completed scan did not compare every policy (status not_compared). */
  notCompared: string[];
}

/** Every handler: 'namespace/action' → (args) → result. */
export interface Handlers {
  'servers/list': { args: void; result: ServerSummary[] };
  'servers/get': { args: { name: string }; result: ServerSummary };
  /** Stores the server only if it is valid (a key file must exist and parse); connects to nothing. */
  'servers/add': { args: ServerInput; result: ServerSaved };
  'servers/update': { args: { name: string; patch: Partial<ServerInput> }; result: ServerSaved };
  /** Connects (host key, login, the shell): throws with how to fix what failed. */
  'servers/check': { args: { name: string }; result: { host: string; hostKey: string; user: string; shell: string } };
  'servers/remove': { args: { name: string; preview?: boolean }; result: RemovalImpact };
  'servers/move': { args: { names: string[]; group: string | null }; result: void };
  /** Connects just far enough to read the host key the server presents (nothing is trusted). */
  'servers/probeHostKey': { args: { name: string }; result: { fingerprint: string; keyType: string | null } };
  /**
   * Pins a host key: the one presented now, which must equal `fingerprint` (required), or from a
   * known_hosts file. A different key already pinned is replaced only with `replace`. Recorded as
   * a trust change (`how` says by what means); resolves an open host-key event for the new key.
   */
  'servers/trust': { args: { name: string; fingerprint?: string; knownHostsFile?: string; replace?: boolean; how?: string }; result: Server };
  /** The new key of a host-key event is legitimate: pins it (a trust change) and resolves the event. */
  'events/trustHostKey': { args: { id: number }; result: FimEvent };
  'servers/importSshConfig': { args: { file?: string; hosts?: string[]; group?: string | null }; result: ImportedHost[] };
  /** Runs the pre-flight on the server now (what its host offers, which attributes it can check) and stores it. */
  'servers/preflight': { args: { name: string }; result: ServerPreflight };
  /** How a server is scanned: parallel hash workers, nice, how often a scan is full. */
  'servers/scanSettings': { args: { name: string; patch?: Partial<ServerScanSettings> }; result: ServerScanSettings };
  'groups/list': { args: void; result: Group[] };
  'groups/add': { args: { name: string; policies?: string[] }; result: Group };
  'groups/assign': { args: { name: string; policy: string }; result: Group };
  'groups/unassign': { args: { name: string; policy: string }; result: Group };
  'groups/remove': { args: { name: string; preview?: boolean }; result: RemovalImpact };
  'policies/list': { args: void; result: Policy[] };
  'policies/get': { args: { name: string }; result: Policy };
  'policies/add': { args: { name: string; os?: ServerOs; description?: string }; result: Policy };
  'policies/update': { args: { name: string; description?: string; os?: ServerOs }; result: Policy };
  'policies/remove': { args: { name: string; preview?: boolean }; result: RemovalImpact };
  'policies/addTarget': { args: { policy: string; target: Partial<Target> & { path: string } }; result: Policy };
  'policies/updateTarget': { args: { policy: string; path: string; target: Partial<Target> }; result: Policy };
  'policies/removeTarget': { args: { policy: string; path: string; preview?: boolean }; result: RemovalImpact };
  'policies/export': { args: { name: string }; result: PolicyDocument };
  'policies/import': { args: { document: unknown; replace?: boolean }; result: Policy };
  'baselines/list': { args: { policy?: string }; result: BaselineInfo[] };
  /**
   * A new baseline per server. It supersedes the policy's active baselines taken from the same
   * server, unless `add` keeps them as further gold masters beside it.
   */
  'baselines/create': {
    args: { policy: string; servers: string[]; expires?: string; comment?: string; add?: boolean };
    result: BaselineRun;
  };
  'baselines/get': { args: { id: number }; result: BaselineReport };
  'baselines/remove': { args: { id: number }; result: void };
  'scans/run': { args: ScanRequest; result: ScanRun };
  'scans/list': { args: { server?: string; limit?: number }; result: ScanRecord[] };
  'events/list': { args: EventFilter; result: EventPage };
  'events/get': { args: { id: number }; result: FimEvent };
  'events/accept': { args: { ids: number[]; note?: string; scope?: AcceptScope }; result: FimEvent[] };
  /**
   * Accepts every open event the filter matches, with one note. `expected` is the number the user
   * was shown: when the filter now matches another number (a scan ran since), nothing is accepted.
   */
  'events/acceptMatching': { args: { filter: ReportFilter; expected: number; note?: string; scope?: AcceptScope }; result: { accepted: number; servers: string[] } };
  'dashboard/summary': { args: void; result: DashboardSummary };
  // Automatic scans, alerting, reports and policy templates (docs/operations.md).
  'schedules/list': { args: void; result: ScheduleInfo[] };
  'schedules/set': { args: ScheduleInput; result: ScheduleInfo };
  'schedules/off': { args: { group: string }; result: ScheduleInfo };
  /** Whether this process (the console or app answering) runs the group schedules (not with --no-schedules). */
  'schedules/runner': { args: void; result: { here: boolean; owner: string | null } };
  'alertProfiles/list': { args: void; result: AlertProfile[] };
  'alertProfiles/add': { args: AlertProfileInput; result: AlertProfile };
  'alertProfiles/update': { args: { name: string; patch: Partial<AlertProfileInput> }; result: AlertProfile };
  'alertProfiles/remove': { args: { name: string }; result: void };
  'alertProfiles/assign': { args: { group: string; profile: string }; result: AlertProfile };
  'alertProfiles/unassign': { args: { group: string; profile: string }; result: AlertProfile };
  'smtp/get': { args: void; result: SmtpSettings | null };
  'smtp/set': { args: SmtpInput; result: SmtpSettings };
  'smtp/test': { args: { to: string }; result: { messageId: string; response: string } };
  'alerts/outbox': { args: { status?: 'pending' | 'sent' | 'all'; limit?: number }; result: OutboxItem[] };
  'alerts/flush': { args: { force?: boolean }; result: DeliveryReport };
  'reports/csv': { args: { kind: CsvReport['kind']; filter?: ReportFilter }; result: CsvReport };
  /** The compliance report (a group, a period), or with kind 'events' the events a filter matches, as a table. */
  'reports/pdf': { args: { kind?: 'compliance' | 'events'; group?: string; since?: string; until?: string; filter?: ReportFilter }; result: PdfReport };
  'policies/templates': { args: void; result: PolicyTemplateInfo[] };
  /** Verifies the store: SQLite's own check, then every pack of entries (its checksum, and its decoding). */
  'store/check': { args: void; result: StoreCheck };
  'policies/fromTemplate': { args: { template: string; name?: string }; result: Policy };
}

export type HandlerName = keyof Handlers;
export type ArgsOf<K extends HandlerName> = Handlers[K]['args'];
export type ResultOf<K extends HandlerName> = Handlers[K]['result'];

export interface BaselineRun {
  reports: BaselineReport[];
  failures: { server: string; reason: string }[];
}

/** The documented policy export format (docs/formats.md). */
export interface PolicyDocument {
  driftwatchPolicy: 1;
  name: string;
  os: ServerOs;
  description: string;
  targets: Target[];
}

export type ScheduleEvery = '1h' | '2h' | '4h' | '6h' | '12h' | '1d' | '1w';

/** A group's automatic scans; every: null and cron: null when they are off. */
export interface ScheduleInfo {
  group: string;
  every: ScheduleEvery | null;
  /** The node-cron pattern in force (derived from every, or given). */
  cron: string | null;
  description: string;
  onStart: boolean;
  /** Only groups with a policy are scanned. */
  hasPolicy: boolean;
  nextRun: string | null;
  lastRun: string | null;
  lastFinished: string | null;
  lastStatus: 'running' | 'ok' | 'partial' | 'failed' | 'skipped' | null;
  lastMessage: string | null;
}

/** every (1h, 2h, 4h, 6h, 12h, 1d, 1w) or cron, not both. */
export interface ScheduleInput {
  group: string;
  every?: string;
  cron?: string;
  onStart?: boolean;
}

export type AlertEventChoice = 'critical' | 'non-critical' | 'both';

export interface AlertProfile {
  name: string;
  /** Email recipients (external addresses, or the addresses of Driftwatch users). */
  emails: string[];
  events: AlertEventChoice;
  webhook: string | null;
  /** JSON lines appended to this file. */
  jsonl: string | null;
  /** RFC 5424 syslog: HOST:PORT (UDP), udp://HOST:PORT or tcp://HOST:PORT. */
  syslog: string | null;
  /** Used by every group that has no profile of its own. */
  isDefault: boolean;
  groups: string[];
}

export interface AlertProfileInput {
  name: string;
  emails?: string[];
  events?: AlertEventChoice;
  webhook?: string | null;
  jsonl?: string | null;
  syslog?: string | null;
  isDefault?: boolean;
}

export interface SmtpSettings {
  host: string;
  port: number;
  security: 'tls' | 'starttls' | 'none';
  user: string | null;
  /** The password is read from this environment variable at send time… */
  passwordEnv: string | null;
  /** …or stored sealed (docs/operations.md); never returned. */
  passwordStored: boolean;
  from: string;
  /** PEM file of the CA that signs the server's certificate, when not a public one. */
  caFile: string | null;
  /** Accept any certificate (testing only). */
  tlsInsecure: boolean;
}

export interface SmtpInput {
  host: string;
  port?: number;
  security?: SmtpSettings['security'];
  user?: string | null;
  passwordEnv?: string | null;
  /** Sealed before it is stored; never stored or returned in plain text. */
  password?: string | null;
  /** Keep the password stored (sealed) before, when no new one is given and the user is the same (the console's forms). */
  keepPassword?: boolean;
  from: string;
  caFile?: string | null;
  tlsInsecure?: boolean;
}

export interface OutboxItem {
  id: number;
  profile: string;
  channel: 'email' | 'webhook' | 'jsonl' | 'syslog';
  destination: string;
  kind: 'events' | 'host_key_mismatch' | 'scan_failed' | 'not_compared';
  server: string;
  events: number;
  createdAt: string;
  status: 'pending' | 'sent';
  attempts: number;
  nextAttemptAt: string;
  lastError: string | null;
  sentAt: string | null;
}

export interface DeliveryReport {
  sent: number;
  failed: { id: number; channel: OutboxItem['channel']; destination: string; attempts: number; error: string }[];
  /** Still pending after this pass (to be retried later). */
  pending: number;
}

export type ReportFilter = Omit<EventFilter, 'offset' | 'limit'>;

export interface CsvReport {
  /** scans: every scan in the period with its status and each policy's outcome. */
  kind: 'events' | 'coverage' | 'scans';
  csv: string;
  rows: number;
  filename: string;
}

export interface PdfReport {
  base64: string;
  pages: number;
  bytes: number;
  filename: string;
}

export interface PolicyTemplateInfo {
  id: string;
  name: string;
  os: ServerOs;
  description: string;
  targets: number;
}

/** One server's progress in a scan or a baseline: its status and, while it runs, what it has read so far. */
export interface ServerProgress {
  server: string;
  status: ServerScanResult['status'];
  reason?: string;
  /** Entries read so far (running), or recorded (finished). */
  entries?: number;
  /** Regular files hashed so far, and their bytes. */
  hashed?: number;
  bytes?: number;
  /** Since this server's scan started. */
  elapsedMs?: number;
}

/** What `store/check` found: `ok` when nothing is damaged. */
export interface StoreCheck {
  ok: boolean;
  /** What SQLite's integrity_check reported, when it did not say ok. */
  sqlite: string[];
  /** Packs read, and of them those written before checksums (checked by decoding them only). */
  packs: number;
  withoutChecksum: number;
  /** Each damaged pack: its set ("baseline #3 of policy 'etc' (from web1)"), its first path (escaped as paths are), what is wrong. */
  damaged: { kind: 'baseline' | 'self' | 'reference'; set: string; pack: string; problem: string }[];
}

/** Events the engine pushes to every connected surface. */
export interface PushEvents {
  'scan/progress': ServerProgress;
  /** A gold-master baseline's servers, as `scan/progress` for scans. */
  'baseline/progress': ServerProgress & { policy: string };
  'events/changed': { servers: string[] };
  'schedules/run': { group: string; status: NonNullable<ScheduleInfo['lastStatus']>; message: string };
  'alerts/delivery': { id: number; channel: OutboxItem['channel']; destination: string; ok: boolean; error?: string };
}
export type PushName = keyof PushEvents;

/** Error codes carried by the reply envelope. */
export type ErrorCode =
  | 'invalid_input'
  | 'not_found'
  | 'conflict'
  | 'host_key_unknown'
  | 'host_key_mismatch'
  | 'scan_failed'
  | 'unauthorized'
  | 'internal';

export interface ApiErrorShape {
  code: ErrorCode;
  message: string;
}

export type Envelope<T> = { ok: true; data: T } | { ok: false; error: ApiErrorShape };

/** An error that crosses the API: every transport carries it as { code, message }. */
export class ApiError extends Error {
  constructor(
    readonly code: ErrorCode,
    message: string,
    /** Machine-readable facts about the failure, e.g. { pinned, presented } for host_key_mismatch. */
    readonly details?: Record<string, string>,
  ) {
    super(message);
    this.name = 'ApiError';
  }
}

/** What the preload exposes and the browser client builds: the renderer sees only this. */
export interface DriftwatchBridge {
  call<K extends HandlerName>(name: K, args: ArgsOf<K>): Promise<ResultOf<K>>;
  on<K extends PushName>(name: K, listener: (payload: PushEvents[K]) => void): () => void;
}
