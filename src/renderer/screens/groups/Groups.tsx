// Groups tie servers to policies: every server in a group is scanned with the group's policies, on
// the group's schedule, and its events are alerted to the group's alert profiles.
import { useMemo, useState, type FormEvent } from 'react';
import { ConfirmRemoval, Dialog } from '../../components/Dialog.js';
import { Badge, Card, EmptyState, ErrorNotice, Field, Loading, PageHeader, ResourceStatus, ScanBadge } from '../../components/ui.js';
import { plural, sentence } from '../../components/format.js';
import { useListKeyboard } from '../../components/useListKeyboard.js';
import { useAction, useConsole, useResource } from '../../state/context.js';
import { hrefFor } from '../../state/router.js';
import { GroupAlerts } from './GroupAlerts.js';
import { GroupSchedule } from './GroupSchedule.js';
import { scheduleSummary } from './schedule-form.js';

export function Groups() {
  const groups = useResource('groups');
  const policies = useResource('policies');
  const servers = useResource('servers');
  const schedules = useResource('schedules');
  const alertProfiles = useResource('alertProfiles');
  const perform = useConsole((s) => s.perform);
  const notify = useConsole((s) => s.notify);
  const load = useConsole((s) => s.load);
  const [selectedName, setSelectedName] = useState<string | null>(null);
  const [adding, setAdding] = useState(false);
  const [newName, setNewName] = useState('');
  const [policyToAssign, setPolicyToAssign] = useState('');
  const [confirmRemove, setConfirmRemove] = useState(false);
  const action = useAction();
  const addAction = useAction();

  const list = useMemo(() => groups.data ?? [], [groups.data]);
  const keyboard = useListKeyboard(list.length, (i) => setSelectedName(list[i]?.name ?? null));
  const selected = list.find((g) => g.name === selectedName) ?? list[0] ?? null;
  const members = (servers.data ?? []).filter((s) => s.group === selected?.name);
  const assignable = (policies.data ?? []).filter((p) => !selected?.policies.includes(p.name));
  const scheduleOf = (name: string) => schedules.data?.find((s) => s.group === name);
  const selectedSchedule = selected ? scheduleOf(selected.name) : undefined;

  async function addGroup(event: FormEvent) {
    event.preventDefault();
    const group = await addAction.run(() => perform('groups/add', { name: newName.trim() }, ['groups', 'dashboard', 'schedules']));
    if (group) {
      notify('success', `Created group ${group.name}. Next: assign a policy and move servers into it.`);
      setSelectedName(group.name);
      setAdding(false);
      setNewName('');
    }
  }

  async function assign() {
    if (!selected || !policyToAssign) return;
    const group = await action.run(() => perform('groups/assign', { name: selected.name, policy: policyToAssign }, ['groups', 'dashboard', 'schedules']));
    if (group) {
      notify('success', `Policy ${policyToAssign} now applies to ${selected.name}.`);
      setPolicyToAssign('');
    }
  }

  async function unassign(policy: string) {
    if (!selected) return;
    await action.run(() => perform('groups/unassign', { name: selected.name, policy }, ['groups', 'dashboard', 'schedules']));
  }

  async function removeGroup() {
    if (!selected) return;
    const name = selected.name;
    const done = await action.run(() => perform('groups/remove', { name }, ['groups', 'servers', 'dashboard', 'schedules', 'alertProfiles']));
    setConfirmRemove(false);
    if (done) {
      notify('success', `${sentence(done.message)} Its servers are now unassigned.`);
      setSelectedName(null);
    }
  }

  return (
    <div className="screen">
      <PageHeader
        title="Groups"
        subtitle="Servers in a group are scanned with the group's policies, on its schedule; its alert profiles say who is told."
        actions={
          <button type="button" className="btn primary" onClick={() => setAdding(true)}>
            New group
          </button>
        }
      />
      <ResourceStatus resource={groups} what="groups" onRetry={() => void load('groups')} />
      {!groups.data ? null : list.length === 0 ? (
        <EmptyState
          title="No groups yet"
          action={
            <button type="button" className="btn primary" onClick={() => setAdding(true)}>
              Create a group
            </button>
          }
        >
          <p>A group ties servers to the policies that scan them — for example "web" for your web servers with a "Linux web" policy.</p>
        </EmptyState>
      ) : (
        <div className="split">
          <Card title="Groups" className="list-card">
            <ul className="select-list" role="listbox" aria-label="Groups" {...keyboard.listProps}>
              {list.map((g, i) => {
                const count = (servers.data ?? []).filter((s) => s.group === g.name).length;
                return (
                  <li key={g.name} role="option" {...keyboard.rowProps(i)} className={`${g.name === selected?.name ? 'current' : ''} ${keyboard.active === i ? 'active' : ''}`}>
                    <span className="grow">{g.name}</span>
                    <span className="muted small">
                      {plural(count, 'server')} · {plural(g.policies.length, 'policy', 'policies')}
                      {schedules.data ? <span className="list-sub">{scheduleSummary(scheduleOf(g.name))}</span> : null}
                    </span>
                  </li>
                );
              })}
            </ul>
          </Card>
          {selected ? (
            <div className="detail">
              <Card
                title={`Group ${selected.name}`}
                actions={
                  <button type="button" className="btn small danger" onClick={() => setConfirmRemove(true)}>
                    Remove group
                  </button>
                }
              >
                <ErrorNotice error={action.error} />
                <h3>Policies</h3>
                {selected.policies.length === 0 ? (
                  <p className="muted">No policy is assigned: servers in this group are not scanned for anything yet.</p>
                ) : (
                  <ul className="chips large" aria-label="Assigned policies">
                    {selected.policies.map((p) => (
                      <li key={p} className="chip">
                        <a href={hrefFor('policies')}>{p}</a>
                        <button type="button" className="chip-x" aria-label={`Unassign ${p}`} onClick={() => void unassign(p)}>
                          ×
                        </button>
                      </li>
                    ))}
                  </ul>
                )}
                {(policies.data ?? []).length === 0 ? (
                  <p className="muted">
                    There are no policies to assign. <a href={hrefFor('policies')}>Create a policy</a> first.
                  </p>
                ) : (
                  <div className="inline-form">
                    <select value={policyToAssign} onChange={(e) => setPolicyToAssign(e.target.value)} aria-label="Policy to assign">
                      <option value="">Choose a policy…</option>
                      {assignable.map((p) => (
                        <option key={p.name} value={p.name}>
                          {p.name} ({plural(p.targets.length, 'target')})
                        </option>
                      ))}
                    </select>
                    <button type="button" className="btn primary" onClick={() => void assign()} disabled={!policyToAssign || action.busy}>
                      Assign policy
                    </button>
                  </div>
                )}
                <h3>Servers</h3>
                {members.length === 0 ? (
                  <p className="muted">
                    No servers in this group. Select servers on the <a href={hrefFor('servers')}>Servers</a> screen and move them here.
                  </p>
                ) : (
                  <table className="table compact">
                    <tbody>
                      {members.map((s) => (
                        <tr key={s.name}>
                          <td>
                            <strong>{s.name}</strong> {s.local ? <Badge tone="info">this machine</Badge> : null}
                          </td>
                          <td className="mono muted">{s.local ? 'local' : s.host}</td>
                          <td>
                            <ScanBadge status={s.lastScan?.status} />
                          </td>
                        </tr>
                      ))}
                    </tbody>
                  </table>
                )}
              </Card>
              <Card title="Automatic scans">
                {schedules.error ? <ErrorNotice error={schedules.error} onRetry={() => void load('schedules')} /> : null}
                {schedules.data ? (
                  <GroupSchedule
                    key={`${selected.name}|${selectedSchedule?.cron ?? ''}|${selectedSchedule?.onStart ?? ''}`}
                    group={selected.name}
                    schedule={selectedSchedule}
                  />
                ) : schedules.error ? null : (
                  <Loading what="the schedule" />
                )}
              </Card>
              <Card title="Alerts">
                {alertProfiles.error ? <ErrorNotice error={alertProfiles.error} onRetry={() => void load('alertProfiles')} /> : null}
                {alertProfiles.data ? <GroupAlerts key={selected.name} group={selected.name} profiles={alertProfiles.data} /> : alertProfiles.error ? null : <Loading what="alert profiles" />}
              </Card>
            </div>
          ) : null}
        </div>
      )}

      <Dialog title="New group" open={adding} onClose={() => setAdding(false)}>
        <form className="form" onSubmit={(e) => void addGroup(e)}>
          <Field label="Group name" htmlFor="group-name" hint="Letters, digits, spaces and . _ @ : + -">
            <input id="group-name" value={newName} onChange={(e) => setNewName(e.target.value)} required autoFocus placeholder="web" />
          </Field>
          <ErrorNotice error={addAction.error} />
          <div className="form-actions">
            <button type="button" className="btn" onClick={() => setAdding(false)}>
              Cancel
            </button>
            <button type="submit" className="btn primary" disabled={addAction.busy}>
              Create group
            </button>
          </div>
        </form>
      </Dialog>

      <ConfirmRemoval
        title="Remove group"
        open={confirmRemove}
        onClose={() => setConfirmRemove(false)}
        confirmLabel="Remove group"
        onConfirm={() => void removeGroup()}
        busy={action.busy}
        preview={() => action.run(() => perform('groups/remove', { name: selected?.name ?? '', preview: true }))}
      >
        Remove group <strong>{selected?.name}</strong>? Its servers stay, unassigned, and are no longer scanned by its policies.
      </ConfirmRemoval>
    </div>
  );
}
