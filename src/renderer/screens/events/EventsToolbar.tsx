// Above the events list: what is selected and the bulk accept (for each server, or into the
// baseline, with one note), and the export of what the list shows (CSV, PDF) with its filters.
import { useState, type FormEvent } from 'react';
import type { ReportFilter } from '../../../shared/api.js';
import type { AcceptScope } from '../../../shared/domain.js';
import { Dialog } from '../../components/Dialog.js';
import { base64ToBytes, downloadBlob, downloadText, safeFileName } from '../../components/download.js';
import { plural } from '../../components/format.js';
import { ErrorNotice, Field } from '../../components/ui.js';
import { useAction, useConsole } from '../../state/context.js';
import { AcceptScopes } from './EventDetails.js';
import { selectedCount, type Selection } from './selection.js';

export function EventsToolbar(props: {
  query: ReportFilter;
  total: number | null;
  selection: Selection;
  onSelectAll: () => void;
  onClear: () => void;
  onAccepted: () => void;
}) {
  const { query, total, selection } = props;
  // Every event the filter matches is open only when the filter shows open events.
  const openMatching = query.status === 'open' ? total : null;
  const count = selectedCount(selection, openMatching);
  const [accepting, setAccepting] = useState(false);

  return (
    <div className="events-toolbar" role="toolbar" aria-label="Selected events and export">
      <div className="bulk">
        {count ? (
          <>
            <strong data-testid="selected-count">{plural(count, 'event')} selected</strong>
            {!selection.all && openMatching !== null && openMatching > count ? (
              <button type="button" className="link" onClick={props.onSelectAll}>
                Select all {openMatching.toLocaleString()} that match
              </button>
            ) : null}
            {selection.all ? <span className="muted small">every open event these filters match, on every page</span> : null}
            <button type="button" className="link" onClick={props.onClear}>
              Clear
            </button>
            <button type="button" className="btn small primary" onClick={() => setAccepting(true)}>
              Accept {plural(count, 'event')}…
            </button>
          </>
        ) : (
          <span className="muted small">Tick open events to accept several at once (shift-click for a range).</span>
        )}
      </div>
      <ExportButtons query={query} />
      <Dialog title={`Accept ${plural(count, 'event')}`} open={accepting} onClose={() => setAccepting(false)}>
        <BulkAcceptForm
          query={query}
          selection={selection}
          count={count}
          onDone={() => {
            setAccepting(false);
            props.onAccepted();
          }}
        />
      </Dialog>
    </div>
  );
}

function BulkAcceptForm({ query, selection, count, onDone }: { query: ReportFilter; selection: Selection; count: number; onDone: () => void }) {
  const perform = useConsole((s) => s.perform);
  const notify = useConsole((s) => s.notify);
  const { busy, error, run } = useAction();
  const [note, setNote] = useState('');
  const [scope, setScope] = useState<AcceptScope>('server');
  const where = scope === 'baseline' ? 'into the baseline' : 'for their servers';

  async function submit(e: FormEvent) {
    e.preventDefault();
    const common = { note: note.trim(), scope };
    const done = await run(async () =>
      selection.all
        ? (await perform('events/acceptMatching', { filter: query, expected: count, ...common }, ['dashboard', 'servers'])).accepted
        : (await perform('events/accept', { ids: [...selection.ids], ...common }, ['dashboard', 'servers'])).length,
    );
    if (done === undefined) return;
    notify('success', `Accepted ${plural(done, 'event')} ${where}.`);
    onDone();
  }

  return (
    <form className="form" onSubmit={(e) => void submit(e)} aria-label="Accept the selected events">
      <AcceptScopes
        name="bulk-scope"
        scope={scope}
        onChange={setScope}
        server={['For each server', 'each server keeps its new state as its own exception; other servers are still checked.']}
        baseline="the baselines take these states; every server is compared with them from now on."
      />
      <Field label="Note" htmlFor="bulk-note" hint="Kept with every one of these events for auditors.">
        <textarea id="bulk-note" rows={2} value={note} onChange={(e) => setNote(e.target.value)} placeholder="CHG-1234: planned package update" />
      </Field>
      <ErrorNotice error={error} />
      <div className="form-actions">
        <button type="submit" className="btn primary" disabled={busy || count === 0}>
          {busy ? 'Accepting…' : `Accept ${plural(count, 'event')} ${where}`}
        </button>
      </div>
    </form>
  );
}

/** The list as it is filtered and ordered, made by the engine's report code and saved as a file. */
function ExportButtons({ query }: { query: ReportFilter }) {
  const perform = useConsole((s) => s.perform);
  const notify = useConsole((s) => s.notify);
  const { busy, error, run } = useAction();

  async function csv() {
    const r = await run(() => perform('reports/csv', { kind: 'events', filter: query }));
    if (!r) return;
    const name = safeFileName(r.filename, 'driftwatch-events.csv');
    downloadText(name, r.csv, 'text/csv;charset=utf-8');
    notify('success', `Saved ${name}: ${plural(r.rows, 'event')}.`);
  }

  async function pdf() {
    const r = await run(() => perform('reports/pdf', { kind: 'events', filter: query }));
    if (!r) return;
    const name = safeFileName(r.filename, 'driftwatch-events.pdf');
    downloadBlob(name, new Blob([base64ToBytes(r.base64)], { type: 'application/pdf' }));
    notify('success', `Saved ${name}: ${plural(r.pages, 'page')}.`);
  }

  return (
    <div className="export">
      <ErrorNotice error={error} />
      <button type="button" className="btn small" disabled={busy} onClick={() => void csv()}>
        Export CSV
      </button>
      <button type="button" className="btn small" disabled={busy} onClick={() => void pdf()}>
        Export PDF
      </button>
    </div>
  );
}
