// A modal dialog on the native <dialog> element: focus stays inside, Escape closes.
import { useEffect, useRef, useState, type ReactNode } from 'react';
import type { RemovalImpact } from '../../shared/api.js';

export function Dialog({ title, open, onClose, children, wide }: { title: string; open: boolean; onClose: () => void; children: ReactNode; wide?: boolean }) {
  const ref = useRef<HTMLDialogElement>(null);
  useEffect(() => {
    const el = ref.current;
    if (!el) return;
    if (open && !el.open) {
      if (typeof el.showModal === 'function') el.showModal();
      else el.setAttribute('open', '');
    } else if (!open && el.open) {
      if (typeof el.close === 'function') el.close();
      else el.removeAttribute('open');
    }
  }, [open]);
  return (
    <dialog
      ref={ref}
      className={`dialog${wide ? ' wide' : ''}`}
      aria-label={title}
      onCancel={(e) => {
        e.preventDefault();
        onClose();
      }}
    >
      {open ? (
        <>
          <div className="dialog-head">
            <h2>{title}</h2>
            <button type="button" className="icon-btn" aria-label="Close" onClick={onClose}>
              ×
            </button>
          </div>
          <div className="dialog-body">{children}</div>
        </>
      ) : null}
    </dialog>
  );
}

/**
 * Asks before removing something: the consequence in words, what goes with it (the engine's
 * preview: baselines removed, open events retired), "Keep it", and the removal itself.
 */
export function ConfirmRemoval({
  title,
  open,
  onClose,
  confirmLabel,
  onConfirm,
  busy,
  preview,
  children,
}: {
  title: string;
  open: boolean;
  onClose: () => void;
  confirmLabel: string;
  onConfirm: () => void;
  busy?: boolean;
  /** What the removal would take with it (asked each time the dialog opens). */
  preview?: () => Promise<RemovalImpact | undefined>;
  children: ReactNode;
}) {
  const [impact, setImpact] = useState<RemovalImpact | 'unknown' | null>(null);
  useEffect(() => {
    setImpact(null);
    if (!open || !preview) return;
    let live = true;
    void preview().then((i) => {
      if (live) setImpact(i ?? 'unknown');
    });
    return () => {
      live = false;
    };
    // Asked once per opening.
  }, [open]);
  return (
    <Dialog title={title} open={open} onClose={onClose}>
      <div className="form">
        <p>{children}</p>
        {preview ? (
          <p className="removal-impact" data-testid="removal-impact">
            {impact === null ? 'Checking what goes with it…' : impact === 'unknown' ? 'Could not tell what goes with it: see the error on the page.' : impact.message}
          </p>
        ) : null}
        <div className="form-actions">
          <button type="button" className="btn" onClick={onClose}>
            Keep it
          </button>
          <button type="button" className="btn danger solid" onClick={onConfirm} disabled={busy}>
            {confirmLabel}
          </button>
        </div>
      </div>
    </Dialog>
  );
}
