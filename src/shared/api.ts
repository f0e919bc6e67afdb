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
  ServerScanResult,
  Target,
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

export interface ServerSummary extends Server {
  lastScan: { status: ScanRecord['status']; at: string; reason?: string } | null;
  openEvents: { critical: number; nonCritical: number };
}

export interface EventFilter {
  server?: string[];
  group?: string[];
  policy?: string[];
  status?: 'open' | 'all' | 'resolved' | 'accepted';
  critical?: boolean;
  since?: string;
  until?: string;
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
}

export interface ScanRun {
  servers: ServerScanResult[];
  events: FimEvent[];
}

export interface DashboardSummary {
  groups: { name: string; policies: string[]; servers: ServerSummary[] }[];
  openEvents: { critical: number; nonCritical: number };
  expiringBaselines: BaselineInfo[];
  neverScanned: string[];
  staleServers: string[];
}

/** Every handler: 'namespace/action' → (args) → result. */
export interface Handlers {
  'servers/list': { args: void; result: ServerSummary[] };
  'servers/get': { args: { name: string }; result: ServerSummary };
  'servers/add': { args: ServerInput; result: Server };
  'servers/update': { args: { name: string; patch: Partial<ServerInput> }; result: Server };
  'servers/remove': { args: { name: string }; result: void };
  'servers/move': { args: { names: string[]; group: string | null }; result: void };
  'groups/list': { args: void; result: Group[] };
  'groups/add': { args: { name: string; policies?: string[] }; result: Group };
  'groups/assign': { args: { name: string; policy: string }; result: Group };
  'groups/unassign': { args: { name: string; policy: string }; result: Group };
  'groups/remove': { args: { name: string }; result: void };
  'policies/list': { args: void; result: Policy[] };
  'policies/get': { args: { name: string }; result: Policy };
  'policies/add': { args: { name: string; os?: ServerOs; description?: string }; result: Policy };
  'policies/update': { args: { name: string; description?: string; os?: ServerOs }; result: Policy };
  'policies/remove': { args: { name: string }; result: void };
  'policies/addTarget': { args: { policy: string; target: Partial<Target> & { path: string } }; result: Policy };
  'policies/updateTarget': { args: { policy: string; path: string; target: Partial<Target> }; result: Policy };
  'policies/removeTarget': { args: { policy: string; path: string }; result: Policy };
  'policies/export': { args: { name: string }; result: PolicyDocument };
  'policies/import': { args: { document: unknown; replace?: boolean }; result: Policy };
  'baselines/list': { args: { policy?: string }; result: BaselineInfo[] };
  'baselines/create': {
    args: { policy: string; servers: string[]; expires?: string; comment?: string };
    result: BaselineRun;
  };
  'baselines/remove': { args: { id: number }; result: void };
  'scans/run': { args: ScanRequest; result: ScanRun };
  'scans/list': { args: { server?: string; limit?: number }; result: ScanRecord[] };
  'events/list': { args: EventFilter; result: EventPage };
  'events/get': { args: { id: number }; result: FimEvent };
  'events/accept': { args: { ids: number[]; note?: string; scope?: AcceptScope }; result: FimEvent[] };
  'dashboard/summary': { args: void; result: DashboardSummary };
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

/** Events the engine pushes to every connected surface. */
export interface PushEvents {
  'scan/progress': { server: string; status: ServerScanResult['status']; reason?: string; entries?: number };
  'events/changed': { servers: string[] };
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
