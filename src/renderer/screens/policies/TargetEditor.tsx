// One target of a policy: the path, how deep, which names, how it is compared, and what it ignores.
import { useState, type FormEvent } from 'react';
import { ALL_ATTRIBUTES, MASTER_ATTRIBUTES, SELF_ATTRIBUTES, type AttributeName } from '../../../shared/attributes.js';
import type { CompareMode, Target } from '../../../shared/domain.js';
import { ErrorNotice, Field } from '../../components/ui.js';
import { splitList } from '../../components/format.js';
import { useAction, useConsole } from '../../state/context.js';

type DepthMode = 'recursive' | 'self' | 'limit';

export function depthLabel(depth: number | null): string {
  if (depth === null) return 'recursive';
  if (depth === 0) return 'this path only';
  if (depth === 1) return 'entries (1 level)';
  return `${depth} levels`;
}

export function TargetEditor({ policy, target, onDone }: { policy: string; target: Target | null; onDone: () => void }) {
  const perform = useConsole((s) => s.perform);
  const notify = useConsole((s) => s.notify);
  const { busy, error, run } = useAction();
  const [path, setPath] = useState(target?.path ?? '');
  const [depthMode, setDepthMode] = useState<DepthMode>(target === null || target.depth === null ? 'recursive' : target.depth === 0 ? 'self' : 'limit');
  const [depth, setDepth] = useState(String(target?.depth && target.depth > 0 ? target.depth : 1));
  const [include, setInclude] = useState((target?.include ?? []).join('\n'));
  const [exclude, setExclude] = useState((target?.exclude ?? []).join('\n'));
  const [critical, setCritical] = useState(target?.critical ?? false);
  const [alert, setAlert] = useState(target?.alert ?? false);
  const [compare, setCompare] = useState<CompareMode>(target?.compare ?? 'master');
  const [ignore, setIgnore] = useState<ReadonlySet<AttributeName>>(new Set(target?.ignore ?? []));
  const [crossMounts, setCrossMounts] = useState(target?.crossMounts ?? false);
  const [reference, setReference] = useState(target?.reference ?? '');
  const [keepContent, setKeepContent] = useState(target?.content !== undefined);
  const [contentKb, setContentKb] = useState(String(target?.content !== undefined ? Math.max(1, Math.round(target.content / 1024)) : 64));
  const [secrets, setSecrets] = useState((target?.contentSecrets ?? []).join('\n'));

  const compared = new Set(compare === 'master' ? MASTER_ATTRIBUTES : SELF_ATTRIBUTES);

  function toggleIgnore(name: AttributeName) {
    const next = new Set(ignore);
    if (next.has(name)) next.delete(name);
    else next.add(name);
    setIgnore(next);
  }

  async function submit(event: FormEvent) {
    event.preventDefault();
    const value: Partial<Target> & { path: string } = {
      path: path.trim(),
      depth: depthMode === 'recursive' ? null : depthMode === 'self' ? 0 : Math.max(1, Math.floor(Number(depth) || 1)),
      include: splitList(include),
      exclude: splitList(exclude),
      critical,
      alert,
      compare,
      ignore: ALL_ATTRIBUTES.filter((a) => ignore.has(a)),
      crossMounts,
      ...(reference.trim() ? { reference: reference.trim() } : {}),
      ...(keepContent ? { content: Math.max(1, Math.floor(Number(contentKb) || 64)) * 1024, contentSecrets: splitList(secrets) } : {}),
    };
    const saved = await run(() =>
      target
        ? perform('policies/updateTarget', { policy, path: target.path, target: value }, ['policies'])
        : perform('policies/addTarget', { policy, target: value }, ['policies']),
    );
    if (saved) {
      notify('success', `${target ? 'Saved' : 'Added'} target ${value.path}.`);
      onDone();
    }
  }

  return (
    <form className="form" onSubmit={(e) => void submit(e)}>
      <Field label="Path" htmlFor="te-path" hint="An absolute path on the server, e.g. /etc or C:\Windows\System32\drivers\etc.">
        <input id="te-path" value={path} onChange={(e) => setPath(e.target.value)} required autoFocus className="mono" placeholder="/etc" />
      </Field>

      <fieldset className="fieldset">
        <legend>Depth</legend>
        <label className="radio">
          <input type="radio" name="te-depth" checked={depthMode === 'recursive'} onChange={() => setDepthMode('recursive')} /> Recursive: everything below
        </label>
        <label className="radio">
          <input type="radio" name="te-depth" checked={depthMode === 'self'} onChange={() => setDepthMode('self')} /> This path only
        </label>
        <label className="radio">
          <input type="radio" name="te-depth" checked={depthMode === 'limit'} onChange={() => setDepthMode('limit')} /> Down to
          <input
            type="number"
            min={1}
            className="tiny"
            value={depth}
            aria-label="Depth in levels"
            onChange={(e) => {
              setDepth(e.target.value);
              setDepthMode('limit');
            }}
          />{' '}
          levels
        </label>
      </fieldset>

      <div className="field-row">
        <Field label="Include patterns" htmlFor="te-include" hint="One glob per line; empty means every name.">
          <textarea id="te-include" rows={3} value={include} onChange={(e) => setInclude(e.target.value)} className="mono" placeholder="*.conf" />
        </Field>
        <Field label="Exclude patterns" htmlFor="te-exclude" hint="One glob per line; wins over include.">
          <textarea id="te-exclude" rows={3} value={exclude} onChange={(e) => setExclude(e.target.value)} className="mono" placeholder="*.log" />
        </Field>
      </div>

      <div className="field-row">
        <fieldset className="fieldset">
          <legend>Severity</legend>
          <label className="check">
            <input type="checkbox" checked={critical} onChange={(e) => setCritical(e.target.checked)} /> Critical: changes here are critical events
          </label>
          <label className="check">
            <input type="checkbox" checked={alert} onChange={(e) => setAlert(e.target.checked)} /> Alert: send an alert for each new event
          </label>
          <label className="check">
            <input type="checkbox" checked={crossMounts} onChange={(e) => setCrossMounts(e.target.checked)} /> Descend into other mounted file systems
          </label>
        </fieldset>
        <fieldset className="fieldset">
          <legend>Compare with</legend>
          <label className="radio">
            <input type="radio" name="te-compare" checked={compare === 'master'} onChange={() => setCompare('master')} />
            <span>
              <strong>Gold master</strong>: the baseline server's copy (content, mode, owner)
            </span>
          </label>
          <label className="radio">
            <input type="radio" name="te-compare" checked={compare === 'self'} onChange={() => setCompare('self')} />
            <span>
              <strong>Itself</strong>: this server's own baseline, times and inode too
            </span>
          </label>
        </fieldset>
      </div>

      <fieldset className="fieldset">
        <legend>Content diffs</legend>
        <label className="check">
          <input type="checkbox" checked={keepContent} onChange={(e) => setKeepContent(e.target.checked)} /> Keep the text of small files, so events
          show what changed in them, up to
          <input
            type="number"
            min={1}
            className="tiny"
            value={contentKb}
            aria-label="Largest file kept, in KB"
            onChange={(e) => {
              setContentKb(e.target.value);
              setKeepContent(true);
            }}
          />
          KB
        </label>
        {keepContent ? (
          <Field label="Mask lines matching" htmlFor="te-secrets" hint="Regular expressions, one per line, any case: matching lines are masked before they are stored.">
            <textarea id="te-secrets" rows={2} value={secrets} onChange={(e) => setSecrets(e.target.value)} className="mono" placeholder={'password\nsecret|token'} />
          </Field>
        ) : null}
      </fieldset>

      <Field label="Compliance reference" htmlFor="te-reference" hint="Optional; shown in reports, e.g. PCI DSS 11.5.2; CIS 6.1.x">
        <input id="te-reference" value={reference} onChange={(e) => setReference(e.target.value)} placeholder="PCI DSS 11.5.2" />
      </Field>

      <fieldset className="fieldset">
        <legend>Ignored attributes</legend>
        <p className="hint">Checked attributes never raise an event. Bold ones are compared by default in this mode.</p>
        <div className="attr-grid">
          {ALL_ATTRIBUTES.map((a) => (
            <label key={a} className={`check small${compared.has(a) ? ' strong' : ''}`}>
              <input type="checkbox" checked={ignore.has(a)} onChange={() => toggleIgnore(a)} /> {a}
            </label>
          ))}
        </div>
      </fieldset>

      <ErrorNotice error={error} />
      <div className="form-actions">
        <button type="button" className="btn" onClick={onDone}>
          Cancel
        </button>
        <button type="submit" className="btn primary" disabled={busy}>
          {target ? 'Save target' : 'Add target'}
        </button>
      </div>
    </form>
  );
}
