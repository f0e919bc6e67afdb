// The server inventory: add, edit, remove, move to a group; "Monitor this machine" in one click.
import { useMemo, useState } from 'react';
import type { ServerSummary } from '../../../shared/api.js';
import { ConfirmRemoval, Dialog } from '../../components/Dialog.js';
import { Badge, EmptyState, ErrorNotice, PageHeader, ResourceStatus, ScanBadge } from '../../components/ui.js';
import { formatTime, plural, sentence, timeAgo } from '../../components/format.js';
import { useListKeyboard } from '../../components/useListKeyboard.js';
import { useAction, useConsole, useResource } from '../../state/context.js';
import { hrefFor } from '../../state/router.js';
import { HostKeyDialogBody } from './HostKeyDialog.js';
import { ServerForm } from './ServerForm.js';

export const LOCAL_SERVER_NAME = 'this-machine';

export function localServerName(existing: readonly string[]): string {
  if (!existing.includes(LOCAL_SERVER_NAME)) return LOCAL_SERVER_NAME;
  for (let i = 2; ; i++) if (!existing.includes(`${LOCAL_SERVER_NAME}-${i}`)) return `${LOCAL_SERVER_NAME}-${i}`;
}

function authLabel(s: ServerSummary): string {
  switch (s.auth.kind) {
    case 'local':
      return 'local';
    case 'agent':
      return 'SSH agent';
    case 'key':
      return `key ${s.auth.keyFile}`;
    case 'password':
      return 'password';
  }
}

/** The host's pre-flight (which attributes it can check), when the engine has recorded one. */
function Preflight({ server }: { server: ServerSummary }) {
  const preflight = server.preflight;
  if (!preflight) return null;
  const missing = preflight.notChecked;
  return (
    <>
      <div className="muted small" title={Object.entries(preflight.facts).map(([k, v]) => `${k}: ${v}`).join('\n')}>
        {missing.length ? `cannot check ${missing.map((m) => `${m.name} (no ${m.tool})`).join(', ')}` : `checks all ${preflight.checked.length} attributes`}
      </div>
      {(preflight.warnings ?? []).map((w) => (
        <div key={w} className="warn-note small" data-testid="preflight-warning">
          {w}
        </div>
      ))}
    </>
  );
}

export function Servers() {
  const servers = useResource('servers');
  const groups = useResource('groups');
  const perform = useConsole((s) => s.perform);
  const notify = useConsole((s) => s.notify);
  const load = useConsole((s) => s.load);
  const [editing, setEditing] = useState<ServerSummary | 'new' | null>(null);
  const [removing, setRemoving] = useState<ServerSummary | null>(null);
  const [keyOf, setKeyOf] = useState<ServerSummary | null>(null);
  const [selected, setSelected] = useState<ReadonlySet<string>>(new Set());
  const [moveTo, setMoveTo] = useState('');
  const action = useAction();

  const list = useMemo(() => servers.data ?? [], [servers.data]);
  const keyboard = useListKeyboard(list.length, (i) => {
    const s = list[i];
    if (s) setEditing(s);
  });
  const localServer = list.find((s) => s.local);

  async function monitorThisMachine() {
    const name = localServerName(list.map((s) => s.name));
    const added = await action.run(() => perform('servers/add', { name, local: true }, ['servers', 'dashboard']));
    if (added) notify('success', `This machine is now monitored as "${added.name}". Next: put it in a group with a policy.`);
  }

  async function move() {
    const names = [...selected];
    const group = moveTo === '' ? null : moveTo;
    const done = await action.run(async () => {
      await perform('servers/move', { names, group }, ['servers', 'dashboard', 'groups']);
      return true;
    });
    if (done) {
      notify('success', `Moved ${plural(names.length, 'server')} to ${group ?? 'Unassigned'}.`);
      setSelected(new Set());
    }
  }

  async function remove(server: ServerSummary) {
    const done = await action.run(() => perform('servers/remove', { name: server.name }, ['servers', 'dashboard']));
    setRemoving(null);
    if (done) notify('success', sentence(done.message));
  }

  function toggle(name: string) {
    const next = new Set(selected);
    if (next.has(name)) next.delete(name);
    else next.add(name);
    setSelected(next);
  }

  return (
    <div className="screen">
      <PageHeader
        title="Servers"
        subtitle="The machines Driftwatch scans, over SSH or locally. No agent is installed on them."
        actions={
          <>
            <button
              type="button"
              className="btn"
              onClick={() => void monitorThisMachine()}
              disabled={Boolean(localServer) || action.busy}
              title={localServer ? `This machine is monitored already, as "${localServer.name}"` : 'Add the computer this console runs on'}
            >
              Monitor this machine
            </button>
            <button type="button" className="btn primary" onClick={() => setEditing('new')}>
              Add server
            </button>
          </>
        }
      />
      <ErrorNotice error={action.error} />
      <ResourceStatus resource={servers} what="servers" onRetry={() => void load('servers')} />
      {!servers.data ? null : list.length === 0 ? (
        <EmptyState
          title="No servers yet"
          action={
            <>
              <button type="button" className="btn primary" onClick={() => void monitorThisMachine()} disabled={action.busy}>
                Monitor this machine
              </button>
              <button type="button" className="btn" onClick={() => setEditing('new')}>
                Add an SSH server
              </button>
            </>
          }
        >
          <p>
            <strong>Monitor this machine</strong> watches the computer this console runs on, with no setup. To watch another host, add it with its SSH
            address; Driftwatch copies nothing to it and runs its scanner over the connection.
          </p>
        </EmptyState>
      ) : (
        <>
          <div className={`bulk-bar${selected.size ? ' visible' : ''}`} aria-hidden={!selected.size}>
            <span>{plural(selected.size, 'server')} selected</span>
            <label>
              Move to{' '}
              <select value={moveTo} onChange={(e) => setMoveTo(e.target.value)} aria-label="Group to move the selected servers to">
                <option value="">Unassigned</option>
                {(groups.data ?? []).map((g) => (
                  <option key={g.name} value={g.name}>
                    {g.name}
                  </option>
                ))}
              </select>
            </label>
            <button type="button" className="btn small primary" onClick={() => void move()} disabled={!selected.size || action.busy}>
              Move
            </button>
            <button type="button" className="btn small" onClick={() => setSelected(new Set())}>
              Clear
            </button>
          </div>
          <div className="table-wrap">
            <table className="table" aria-label="Servers">
              <thead>
                <tr>
                  <th className="check-col">
                    <input
                      type="checkbox"
                      aria-label="Select all servers"
                      checked={selected.size === list.length}
                      onChange={(e) => setSelected(e.target.checked ? new Set(list.map((s) => s.name)) : new Set())}
                    />
                  </th>
                  <th>Name</th>
                  <th>Address</th>
                  <th>Group</th>
                  <th>Access</th>
                  <th>Host key</th>
                  <th>Last scan</th>
                  <th className="num">Open events</th>
                  <th />
                </tr>
              </thead>
              <tbody {...keyboard.listProps} aria-label="Server rows: arrows move, Enter edits">
                {list.map((s, i) => (
                  <tr key={s.name} {...keyboard.rowProps(i)} onClick={() => keyboard.setActive(i)}>
                    <td className="check-col">
                      <input type="checkbox" aria-label={`Select ${s.name}`} checked={selected.has(s.name)} onChange={() => toggle(s.name)} />
                    </td>
                    <td>
                      <strong>{s.name}</strong> {s.local ? <Badge tone="info">this machine</Badge> : null}
                      {s.tags.length ? (
                        <div className="chips">
                          {s.tags.map((t) => (
                            <span key={t} className="chip small">
                              {t}
                            </span>
                          ))}
                        </div>
                      ) : null}
                    </td>
                    <td className="mono">
                      {s.local ? 'local' : `${s.user}@${s.host}:${s.port}`}
                      {s.jump ? <div className="muted small">via {s.jump}</div> : null}
                    </td>
                    <td>{s.group ?? <span className="muted">Unassigned</span>}</td>
                    <td>
                      {authLabel(s)}
                      {s.sudo ? <div className="muted small">sudo</div> : null}
                    </td>
                    <td className="mono small">
                      {s.local ? (
                        <span className="muted">not needed</span>
                      ) : s.hostKey ? (
                        <button type="button" className="link mono" title={`${s.hostKey} — check it again`} onClick={() => setKeyOf(s)}>
                          {s.hostKey.slice(0, 22)}…
                        </button>
                      ) : (
                        <button type="button" className="btn small" onClick={() => setKeyOf(s)} title="Read the key the server presents and pin it">
                          Verify host key
                        </button>
                      )}
                      <Preflight server={s} />
                    </td>
                    <td>
                      <ScanBadge status={s.lastScan?.status} />
                      <div className="muted small" title={[formatTime(s.lastScan?.at), s.lastScan?.reason].filter(Boolean).join('\n')}>
                        {s.lastScan ? timeAgo(s.lastScan.at) : ''}
                      </div>
                    </td>
                    <td className="num">
                      {s.openEvents.critical + s.openEvents.nonCritical ? (
                        <a href={hrefFor('events', { server: s.name })} className={`count${s.openEvents.critical ? ' critical' : ''}`}>
                          {s.openEvents.critical + s.openEvents.nonCritical}
                        </a>
                      ) : (
                        <span className="muted">0</span>
                      )}
                    </td>
                    <td className="row-actions">
                      <button type="button" className="btn small" onClick={() => setEditing(s)}>
                        Edit
                      </button>
                      <button type="button" className="btn small danger" onClick={() => setRemoving(s)}>
                        Remove
                      </button>
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
          <p className="muted small">Tip: click a row or use the arrow keys, Enter edits the server.</p>
        </>
      )}

      <Dialog title={editing === 'new' ? 'Add server' : `Edit ${editing?.name ?? ''}`} open={editing !== null} onClose={() => setEditing(null)} wide>
        {editing !== null ? (
          <ServerForm
            key={editing === 'new' ? 'new' : editing.name}
            server={editing === 'new' ? null : editing}
            groups={groups.data ?? []}
            servers={list}
            onDone={() => setEditing(null)}
          />
        ) : null}
      </Dialog>

      <Dialog title={`Host key of ${keyOf?.name ?? ''}`} open={keyOf !== null} onClose={() => setKeyOf(null)} wide>
        {keyOf ? <HostKeyDialogBody key={keyOf.name} server={keyOf} onDone={() => setKeyOf(null)} /> : null}
      </Dialog>

      <ConfirmRemoval
        title="Remove server"
        open={removing !== null}
        onClose={() => setRemoving(null)}
        confirmLabel={`Remove ${removing?.name ?? ''}`}
        onConfirm={() => removing && void remove(removing)}
        busy={action.busy}
        preview={() => action.run(() => perform('servers/remove', { name: removing?.name ?? '', preview: true }))}
      >
        Remove <strong>{removing?.name}</strong>? Its scan history goes with it; its events stay in the history and reports. Nothing on the server itself is touched.
      </ConfirmRemoval>
    </div>
  );
}
