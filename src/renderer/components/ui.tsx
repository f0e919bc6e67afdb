// Small shared pieces: page header, badges, empty states, error notices, loading lines.
import type { ReactNode } from 'react';
import type { ScanStatus } from '../../shared/domain.js';
import { describeError } from '../api/errors.js';
import { SCAN_STATUS_LABEL } from './format.js';

export function PageHeader({ title, subtitle, actions }: { title: string; subtitle?: ReactNode; actions?: ReactNode }) {
  return (
    <header className="page-header">
      <div>
        <h1>{title}</h1>
        {subtitle ? <p className="subtitle">{subtitle}</p> : null}
      </div>
      {actions ? <div className="page-actions">{actions}</div> : null}
    </header>
  );
}

export function ScanBadge({ status }: { status: ScanStatus | null | undefined }) {
  if (!status) return <span className="badge neutral">Never scanned</span>;
  const tone = SCAN_STATUS_TONE[status];
  return <span className={`badge ${tone}`}>{SCAN_STATUS_LABEL[status]}</span>;
}

const SCAN_STATUS_TONE: Record<ScanStatus, Tone> = {
  queued: 'info',
  running: 'info',
  completed_clean: 'ok',
  completed_with_findings: 'warn',
  not_compared: 'uncompared',
  failed: 'bad',
};

type Tone = 'ok' | 'warn' | 'bad' | 'info' | 'neutral' | 'critical' | 'uncompared';

export function Badge({ tone = 'neutral', children, title }: { tone?: Tone; children: ReactNode; title?: string }) {
  return (
    <span className={`badge ${tone}`} title={title}>
      {children}
    </span>
  );
}

export function EmptyState({ title, children, action }: { title: string; children?: ReactNode; action?: ReactNode }) {
  return (
    <div className="empty-state" role="status">
      <h2>{title}</h2>
      {children ? <div className="empty-body">{children}</div> : null}
      {action ? <div className="empty-action">{action}</div> : null}
    </div>
  );
}

export function ErrorNotice({ error, onRetry }: { error: unknown; onRetry?: () => void }) {
  if (!error) return null;
  const text = typeof error === 'string' ? error : describeError(error);
  return (
    <div className="error-notice" role="alert">
      <span>{text}</span>
      {onRetry ? (
        <button type="button" className="link" onClick={onRetry}>
          Try again
        </button>
      ) : null}
    </div>
  );
}

export function Loading({ what }: { what: string }) {
  return (
    <div className="loading" role="status" aria-live="polite">
      <span className="spinner" aria-hidden="true" /> Loading {what}…
    </div>
  );
}

/**
 * A loaded resource's state: its error, with a retry, and, while it has no data yet, what is
 * loading. Nothing once it has data and no error.
 */
export function ResourceStatus({ resource, what, onRetry }: { resource: { data: unknown; error: string | null }; what: string; onRetry: () => void }) {
  if (resource.error) return <ErrorNotice error={resource.error} onRetry={onRetry} />;
  return resource.data ? null : <Loading what={what} />;
}

export function Card({ title, actions, children, className }: { title?: ReactNode; actions?: ReactNode; children: ReactNode; className?: string }) {
  return (
    <section className={`card ${className ?? ''}`}>
      {title || actions ? (
        <div className="card-head">
          {title ? <h2>{title}</h2> : <span />}
          {actions ? <div className="card-actions">{actions}</div> : null}
        </div>
      ) : null}
      {children}
    </section>
  );
}

export function Field({ label, hint, children, htmlFor }: { label: string; hint?: ReactNode; children: ReactNode; htmlFor?: string }) {
  return (
    <div className="field">
      <label htmlFor={htmlFor}>{label}</label>
      {children}
      {hint ? <div className="hint">{hint}</div> : null}
    </div>
  );
}
