// Policies: what to watch. Each target is a path with its depth, patterns, severity and comparison;
// policies travel between consoles as JSON (import / export).
import { useEffect, useMemo, useRef, useState, type FormEvent } from 'react';
import type { PolicyTemplateInfo } from '../../../shared/api.js';
import type { Policy, ServerOs, Target } from '../../../shared/domain.js';
import { ConfirmRemoval, Dialog } from '../../components/Dialog.js';
import { downloadText } from '../../components/download.js';
import { Badge, Card, EmptyState, ErrorNotice, Field, Loading, PageHeader, ResourceStatus } from '../../components/ui.js';
import { plural, sentence } from '../../components/format.js';
import { useListKeyboard } from '../../components/useListKeyboard.js';
import { useAction, useConsole, useResource } from '../../state/context.js';
import { depthLabel, TargetEditor } from './TargetEditor.js';

export function downloadJson(fileName: string, value: unknown): void {
  downloadText(fileName, JSON.stringify(value, null, 2) + '\n', 'application/json');
}

export function Policies() {
  const policies = useResource('policies');
  const groups = useResource('groups');
  const perform = useConsole((s) => s.perform);
  const notify = useConsole((s) => s.notify);
  const load = useConsole((s) => s.load);
  const [selectedName, setSelectedName] = useState<string | null>(null);
  const [creating, setCreating] = useState(false);
  const [choosingTemplate, setChoosingTemplate] = useState(false);
  const [editingTarget, setEditingTarget] = useState<Target | 'new' | null>(null);
  const [confirmRemove, setConfirmRemove] = useState(false);
  const [removingTarget, setRemovingTarget] = useState<Target | null>(null);
  const [importReplace, setImportReplace] = useState(false);
  const fileInput = useRef<HTMLInputElement>(null);
  const action = useAction();

  const list = useMemo(() => policies.data ?? [], [policies.data]);
  const keyboard = useListKeyboard(list.length, (i) => setSelectedName(list[i]?.name ?? null));
  const selected = list.find((p) => p.name === selectedName) ?? list[0] ?? null;
  const usedBy = (groups.data ?? []).filter((g) => selected && g.policies.includes(selected.name)).map((g) => g.name);

  async function exportPolicy(policy: Policy) {
    const doc = await action.run(() => perform('policies/export', { name: policy.name }));
    if (doc) downloadJson(`${policy.name.replace(/[^A-Za-z0-9._-]+/g, '_')}.driftwatch-policy.json`, doc);
  }

  async function importFile(file: File) {
    const imported = await action.run(async () => {
      let document: unknown;
      try {
        document = JSON.parse(await file.text());
      } catch {
        throw new Error(`${file.name} is not valid JSON`);
      }
      return perform('policies/import', { document, replace: importReplace }, ['policies', 'groups']);
    });
    if (imported) {
      notify('success', `Imported policy ${imported.name} with ${plural(imported.targets.length, 'target')}.`);
      setSelectedName(imported.name);
    }
    if (fileInput.current) fileInput.current.value = '';
  }

  async function removeTarget(target: Target) {
    if (!selected) return;
    const done = await action.run(() => perform('policies/removeTarget', { policy: selected.name, path: target.path }, ['policies', 'dashboard']));
    setRemovingTarget(null);
    if (done) notify('success', sentence(done.message));
  }

  async function removePolicy() {
    if (!selected) return;
    const name = selected.name;
    const done = await action.run(() => perform('policies/remove', { name }, ['policies', 'groups', 'dashboard']));
    setConfirmRemove(false);
    if (done) {
      notify('success', sentence(done.message));
      setSelectedName(null);
    }
  }

  const importControls = (
    <>
      <input
        ref={fileInput}
        type="file"
        accept="application/json,.json"
        className="sr-only"
        aria-label="Policy JSON file to import"
        data-testid="policy-import-file"
        onChange={(e) => {
          const file = e.target.files?.[0];
          if (file) void importFile(file);
        }}
      />
      <label className="check small" title="Overwrite a policy of the same name">
        <input type="checkbox" checked={importReplace} onChange={(e) => setImportReplace(e.target.checked)} /> replace on import
      </label>
      <button type="button" className="btn" onClick={() => fileInput.current?.click()}>
        Import JSON…
      </button>
    </>
  );

  return (
    <div className="screen">
      <PageHeader
        title="Policies"
        subtitle="What to watch on each server, and how seriously."
        actions={
          <>
            {importControls}
            <button type="button" className="btn" onClick={() => setChoosingTemplate(true)}>
              From a template…
            </button>
            <button type="button" className="btn primary" onClick={() => setCreating(true)}>
              New policy
            </button>
          </>
        }
      />
      <ErrorNotice error={action.error} />
      <ResourceStatus resource={policies} what="policies" onRetry={() => void load('policies')} />
      {!policies.data ? null : list.length === 0 ? (
        <EmptyState
          title="No policies yet"
          action={
            <>
              <button type="button" className="btn primary" onClick={() => setChoosingTemplate(true)}>
                Start from a template
              </button>
              <button type="button" className="btn" onClick={() => setCreating(true)}>
                Create an empty policy
              </button>
              <button type="button" className="btn" onClick={() => fileInput.current?.click()}>
                Import a JSON export
              </button>
            </>
          }
        >
          <p>A policy lists the paths to watch — /etc, /usr/bin, your application's config — and which changes are critical.</p>
        </EmptyState>
      ) : (
        <div className="split">
          <Card title="Policies" className="list-card">
            <ul className="select-list" role="listbox" aria-label="Policies" {...keyboard.listProps}>
              {list.map((p, i) => (
                <li key={p.name} role="option" {...keyboard.rowProps(i)} className={`${p.name === selected?.name ? 'current' : ''} ${keyboard.active === i ? 'active' : ''}`}>
                  <span className="grow">{p.name}</span>
                  <span className="muted small">
                    {p.os} · {plural(p.targets.length, 'target')}
                  </span>
                </li>
              ))}
            </ul>
          </Card>
          {selected ? (
            <div className="detail">
              <Card
                title={`Policy ${selected.name}`}
                actions={
                  <>
                    <button type="button" className="btn small" onClick={() => void exportPolicy(selected)}>
                      Export JSON
                    </button>
                    <button type="button" className="btn small danger" onClick={() => setConfirmRemove(true)}>
                      Remove
                    </button>
                  </>
                }
              >
                <PolicyMeta key={selected.name} policy={selected} />
                <p className="muted small">
                  {usedBy.length ? (
                    <>Applied to group{usedBy.length > 1 ? 's' : ''}: {usedBy.join(', ')}.</>
                  ) : (
                    <>Not applied to any group yet: assign it on the Groups screen.</>
                  )}
                </p>
              </Card>
              <Card
                title={`Targets (${selected.targets.length})`}
                actions={
                  <button type="button" className="btn small primary" onClick={() => setEditingTarget('new')}>
                    Add target
                  </button>
                }
              >
                {selected.targets.length === 0 ? (
                  <p className="muted pad">No targets: add the first path to watch, e.g. /etc.</p>
                ) : (
                  <table className="table" aria-label="Targets">
                    <thead>
                      <tr>
                        <th>Path</th>
                        <th>Depth</th>
                        <th>Patterns</th>
                        <th>Compare</th>
                        <th>Flags</th>
                        <th>Ignored</th>
                        <th />
                      </tr>
                    </thead>
                    <tbody>
                      {selected.targets.map((t) => (
                        <tr key={t.path}>
                          <td className="mono">{t.path}</td>
                          <td>{depthLabel(t.depth)}</td>
                          <td className="mono small">
                            {t.include.length ? <div>+ {t.include.join(', ')}</div> : null}
                            {t.exclude.length ? <div>− {t.exclude.join(', ')}</div> : null}
                            {!t.include.length && !t.exclude.length ? <span className="muted">all names</span> : null}
                          </td>
                          <td>{t.compare === 'master' ? 'gold master' : 'itself'}</td>
                          <td>
                            {t.critical ? <Badge tone="critical">critical</Badge> : null} {t.alert ? <Badge tone="info">alert</Badge> : null}
                            {t.crossMounts ? <Badge tone="neutral">cross mounts</Badge> : null}
                            {t.content !== undefined ? <Badge tone="neutral">content ≤ {Math.round(t.content / 1024)} KB</Badge> : null}
                            {t.reference ? <div className="muted small">{t.reference}</div> : null}
                          </td>
                          <td className="small">{t.ignore.length ? t.ignore.join(', ') : <span className="muted">none</span>}</td>
                          <td className="row-actions">
                            <button type="button" className="btn small" onClick={() => setEditingTarget(t)}>
                              Edit
                            </button>
                            <button type="button" className="btn small danger" onClick={() => setRemovingTarget(t)} aria-label={`Remove target ${t.path}`}>
                              Remove
                            </button>
                          </td>
                        </tr>
                      ))}
                    </tbody>
                  </table>
                )}
              </Card>
            </div>
          ) : null}
        </div>
      )}

      <Dialog title="Policy templates" open={choosingTemplate} onClose={() => setChoosingTemplate(false)} wide>
        {choosingTemplate ? (
          <TemplatePicker
            onDone={(name) => {
              setChoosingTemplate(false);
              if (name) setSelectedName(name);
            }}
          />
        ) : null}
      </Dialog>
      <Dialog title="New policy" open={creating} onClose={() => setCreating(false)}>
        {creating ? (
          <NewPolicyForm
            onDone={(name) => {
              setCreating(false);
              if (name) setSelectedName(name);
            }}
          />
        ) : null}
      </Dialog>
      <Dialog
        title={editingTarget === 'new' ? `Add a target to ${selected?.name ?? ''}` : `Edit target ${editingTarget?.path ?? ''}`}
        open={editingTarget !== null && selected !== null}
        onClose={() => setEditingTarget(null)}
        wide
      >
        {editingTarget !== null && selected ? (
          <TargetEditor
            key={editingTarget === 'new' ? 'new' : editingTarget.path}
            policy={selected.name}
            target={editingTarget === 'new' ? null : editingTarget}
            onDone={() => setEditingTarget(null)}
          />
        ) : null}
      </Dialog>
      <ConfirmRemoval
        title="Remove policy"
        open={confirmRemove}
        onClose={() => setConfirmRemove(false)}
        confirmLabel="Remove policy"
        onConfirm={() => void removePolicy()}
        busy={action.busy}
        preview={() => action.run(() => perform('policies/remove', { name: selected?.name ?? '', preview: true }))}
      >
        Remove policy <strong>{selected?.name}</strong>? Groups stop using it; its baselines go with it.
      </ConfirmRemoval>
      <ConfirmRemoval
        title="Remove target"
        open={removingTarget !== null}
        onClose={() => setRemovingTarget(null)}
        confirmLabel="Remove target"
        onConfirm={() => removingTarget && void removeTarget(removingTarget)}
        busy={action.busy}
        preview={() => action.run(() => perform('policies/removeTarget', { policy: selected?.name ?? '', path: removingTarget?.path ?? '', preview: true }))}
      >
        Remove target <strong className="mono">{removingTarget?.path}</strong> from {selected?.name}? Its entries are no longer checked.
      </ConfirmRemoval>
    </div>
  );
}

function PolicyMeta({ policy }: { policy: Policy }) {
  const perform = useConsole((s) => s.perform);
  const notify = useConsole((s) => s.notify);
  const { busy, error, run } = useAction();
  const [description, setDescription] = useState(policy.description);
  const [os, setOs] = useState<ServerOs>(policy.os);
  const dirty = description !== policy.description || os !== policy.os;
  async function save(event: FormEvent) {
    event.preventDefault();
    const saved = await run(() => perform('policies/update', { name: policy.name, description, os }, ['policies']));
    if (saved) notify('success', `Saved policy ${policy.name}.`);
  }
  return (
    <form className="form inline-meta" onSubmit={(e) => void save(e)}>
      <div className="field-row">
        <Field label="Description" htmlFor="pm-description">
          <input id="pm-description" value={description} onChange={(e) => setDescription(e.target.value)} placeholder="What this policy protects" />
        </Field>
        <Field label="Operating system" htmlFor="pm-os">
          <select id="pm-os" value={os} onChange={(e) => setOs(e.target.value as ServerOs)}>
            <option value="linux">Linux / Unix</option>
            <option value="windows">Windows</option>
          </select>
        </Field>
      </div>
      <ErrorNotice error={error} />
      {dirty ? (
        <div className="form-actions">
          <button type="submit" className="btn small primary" disabled={busy}>
            Save changes
          </button>
        </div>
      ) : null}
    </form>
  );
}

function TemplatePicker({ onDone }: { onDone: (name: string | null) => void }) {
  const perform = useConsole((s) => s.perform);
  const notify = useConsole((s) => s.notify);
  const list = useAction();
  const create = useAction();
  const [templates, setTemplates] = useState<PolicyTemplateInfo[] | null>(null);
  const [name, setName] = useState('');
  useEffect(() => {
    void list.run(() => perform('policies/templates', undefined)).then((t) => setTemplates(t ?? []));
    // Loaded once per opening.
  }, []);
  async function use(template: PolicyTemplateInfo) {
    const policy = await create.run(() => perform('policies/fromTemplate', { template: template.id, ...(name.trim() ? { name: name.trim() } : {}) }, ['policies']));
    if (policy) {
      notify('success', `Created policy ${policy.name} from a template with ${plural(policy.targets.length, 'target')}. Next: assign it to a group.`);
      onDone(policy.name);
    }
  }
  return (
    <div className="form">
      <p className="muted">
        A template is a complete policy for a kind of host, tuned so that two hosts built alike raise no events. Use it as it is, or as a start: edit its
        targets afterwards.
      </p>
      <Field label="Name of the new policy" htmlFor="tpl-name" hint="Leave empty to use the template's own name.">
        <input id="tpl-name" value={name} onChange={(e) => setName(e.target.value)} placeholder="e.g. Linux core web" />
      </Field>
      <ErrorNotice error={list.error ?? create.error} />
      {templates === null && !list.error ? <Loading what="templates" /> : null}
      {templates && templates.length === 0 ? <p className="muted">No templates are installed.</p> : null}
      {templates?.length ? (
        <table className="table" aria-label="Templates">
          <tbody>
            {templates.map((t) => (
              <tr key={t.id}>
                <td>
                  <strong>{t.name}</strong>
                  <div className="muted small">{t.description}</div>
                </td>
                <td className="small nowrap">
                  {t.os} · {plural(t.targets, 'target')}
                </td>
                <td className="row-actions">
                  <button type="button" className="btn small primary" disabled={create.busy} onClick={() => void use(t)} aria-label={`Create a policy from ${t.name}`}>
                    Use
                  </button>
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      ) : null}
    </div>
  );
}

function NewPolicyForm({ onDone }: { onDone: (name: string | null) => void }) {
  const perform = useConsole((s) => s.perform);
  const notify = useConsole((s) => s.notify);
  const { busy, error, run } = useAction();
  const [name, setName] = useState('');
  const [description, setDescription] = useState('');
  const [os, setOs] = useState<ServerOs>('linux');
  async function submit(event: FormEvent) {
    event.preventDefault();
    const policy = await run(() => perform('policies/add', { name: name.trim(), os, description }, ['policies']));
    if (policy) {
      notify('success', `Created policy ${policy.name}. Next: add a target.`);
      onDone(policy.name);
    }
  }
  return (
    <form className="form" onSubmit={(e) => void submit(e)}>
      <Field label="Name" htmlFor="np-name">
        <input id="np-name" value={name} onChange={(e) => setName(e.target.value)} required autoFocus placeholder="Linux baseline" />
      </Field>
      <Field label="Operating system" htmlFor="np-os">
        <select id="np-os" value={os} onChange={(e) => setOs(e.target.value as ServerOs)}>
          <option value="linux">Linux / Unix</option>
          <option value="windows">Windows</option>
        </select>
      </Field>
      <Field label="Description" htmlFor="np-description">
        <input id="np-description" value={description} onChange={(e) => setDescription(e.target.value)} placeholder="System binaries and configuration" />
      </Field>
      <ErrorNotice error={error} />
      <div className="form-actions">
        <button type="button" className="btn" onClick={() => onDone(null)}>
          Cancel
        </button>
        <button type="submit" className="btn primary" disabled={busy}>
          Create policy
        </button>
      </div>
    </form>
  );
}
