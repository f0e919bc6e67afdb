// Trust on first use, done with care: read the key the server presents, show its fingerprint to
// compare with `ssh-keygen -lf` on the server, and pin it only when the person says so. Or pin it
// from a known_hosts file.
import { useEffect, useState, type FormEvent } from 'react';
import type { ServerSummary } from '../../../shared/api.js';
import type { TrustChange } from '../../../shared/domain.js';
import { formatTime } from '../../components/format.js';
import { ErrorNotice, Field, Loading } from '../../components/ui.js';
import { useAction, useConsole } from '../../state/context.js';

export function HostKeyDialogBody({ server, onDone }: { server: ServerSummary; onDone: () => void }) {
  const perform = useConsole((s) => s.perform);
  const notify = useConsole((s) => s.notify);
  const probe = useAction();
  const trust = useAction();
  const [presented, setPresented] = useState<{ fingerprint: string; keyType: string | null } | null>(null);
  const [knownHosts, setKnownHosts] = useState('');

  useEffect(() => {
    let live = true;
    void probe.run(() => perform('servers/probeHostKey', { name: server.name })).then((key) => {
      if (live && key) setPresented(key);
    });
    return () => {
      live = false;
    };
    // Probe once per dialog (the dialog body is mounted per server).
  }, [server.name]);

  async function pin(args: { fingerprint?: string; knownHostsFile?: string; replace?: boolean; how?: string }) {
    const saved = await trust.run(() => perform('servers/trust', { name: server.name, ...args }, ['servers', 'dashboard']));
    if (saved) {
      notify('success', server.hostKey && server.hostKey !== saved.hostKey ? `Replaced the host key of ${server.name}: old ${server.hostKey}, new ${saved.hostKey ?? ''}` : `Pinned the host key of ${server.name}: ${saved.hostKey ?? ''}`);
      onDone();
    }
  }
  const changed = presented !== null && server.hostKey !== null && server.hostKey !== presented.fingerprint;

  function fromFile(event: FormEvent) {
    event.preventDefault();
    void pin({ knownHostsFile: knownHosts.trim() });
  }

  return (
    <div className="form">
      {server.hostKey ? (
        <p>
          Pinned now: <code>{server.hostKey}</code>. A scan refuses a server whose key differs, and raises a host-key event.
        </p>
      ) : (
        <p>Driftwatch scans a server only once its SSH host key is pinned, so that nobody can pose as it.</p>
      )}
      {probe.busy ? <Loading what={`the key ${server.name} presents`} /> : null}
      <ErrorNotice error={probe.error} />
      {presented ? (
        <div className="keybox">
          <div className="muted small">{server.name} presents {presented.keyType ? `an ${presented.keyType} key` : 'this key'}:</div>
          <code className="fingerprint">{presented.fingerprint}</code>
          <p className="hint">
            Compare it with <code>ssh-keygen -lf /etc/ssh/ssh_host_*_key.pub</code> run on the server itself (or with your inventory) before
            you trust it.
          </p>
          {server.hostKey === presented.fingerprint ? (
            <p className="muted">This is the key that is pinned already.</p>
          ) : changed ? (
            <div>
              <p className="key-warning" role="alert" data-testid="key-changed">
                This is not the pinned key <code>{server.hostKey}</code>. Replace it only if you know why the key changed (the server was reinstalled, its keys
                rotated); otherwise someone may be posing as it.
              </p>
              <button
                type="button"
                className="btn danger solid"
                disabled={trust.busy}
                onClick={() => void pin({ fingerprint: presented.fingerprint, replace: true, how: 'compared and replaced in the console' })}
              >
                I compared it: replace the pinned key
              </button>
            </div>
          ) : (
            <div className="form-actions">
              <button type="button" className="btn primary" disabled={trust.busy} onClick={() => void pin({ fingerprint: presented.fingerprint, how: 'compared in the console' })}>
                I compared it: trust this key
              </button>
            </div>
          )}
        </div>
      ) : null}
      <form className="inline-form" onSubmit={fromFile}>
        <Field label="Or take it from a known_hosts file" htmlFor="hk-file">
          <input id="hk-file" value={knownHosts} onChange={(e) => setKnownHosts(e.target.value)} placeholder="~/.ssh/known_hosts" className="mono" />
        </Field>
        <button type="submit" className="btn" disabled={!knownHosts.trim() || trust.busy}>
          Pin from file
        </button>
      </form>
      <ErrorNotice error={trust.error} />
      <TrustHistory history={server.trustHistory ?? []} />
    </div>
  );
}

/** Every change of the pinned key: who, when, old, new and how (the auditor's record). */
function TrustHistory({ history }: { history: TrustChange[] }) {
  if (!history.length) return <p className="muted small">No trust changes yet.</p>;
  return (
    <table className="table small" aria-label="Trust history">
      <thead>
        <tr>
          <th>When</th>
          <th>By</th>
          <th>Old key</th>
          <th>New key</th>
          <th>How</th>
        </tr>
      </thead>
      <tbody>
        {history.map((t, i) => (
          <tr key={i}>
            <td>{formatTime(t.at)}</td>
            <td>{t.by}</td>
            <td className="mono small key-cell">{t.old ?? '—'}</td>
            <td className="mono small key-cell">{t.new ?? '—'}</td>
            <td>{t.how}</td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}
