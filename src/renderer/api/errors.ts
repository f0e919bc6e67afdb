// Every failure the renderer shows becomes an ApiError, and every ApiError is shown in words.
import { ApiError, type ErrorCode } from '../../shared/api.js';

const CODES: readonly ErrorCode[] = [
  'invalid_input', 'not_found', 'conflict', 'host_key_unknown', 'host_key_mismatch', 'scan_failed', 'unauthorized', 'internal',
];

export function isErrorCode(value: unknown): value is ErrorCode {
  return typeof value === 'string' && (CODES as readonly string[]).includes(value);
}

/** Rebuilds an ApiError from whatever crossed a transport: an ApiError, a { code, message } shape, an Error, a string. */
export function toApiError(reason: unknown): ApiError {
  if (reason instanceof ApiError) return reason;
  if (reason && typeof reason === 'object') {
    const r = reason as { code?: unknown; message?: unknown };
    if (isErrorCode(r.code)) return new ApiError(r.code, typeof r.message === 'string' ? r.message : r.code);
    if (typeof r.message === 'string') return new ApiError('internal', r.message);
  }
  return new ApiError('internal', typeof reason === 'string' ? reason : 'unknown error');
}

const LABELS: Record<ErrorCode, string> = {
  invalid_input: 'Invalid input',
  not_found: 'Not found',
  conflict: 'Conflict',
  host_key_unknown: 'Unknown host key',
  host_key_mismatch: 'Host key mismatch',
  scan_failed: 'Scan failed',
  unauthorized: 'Not authorized',
  internal: 'Error',
};

/** One sentence for people: "Not found: no server 'web-9'". */
export function describeError(err: unknown): string {
  const e = toApiError(err);
  const message = e.message.trim() || 'no details were given';
  return `${LABELS[e.code]}: ${message}`;
}
