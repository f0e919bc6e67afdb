// Add or edit one server: address, access, group, and how the scanner runs there.
import { useState, type FormEvent } from 'react';
import type { ServerInput, ServerSummary } from '../../../shared/api.js';
import type { Group, ServerAuth, ServerOs } from '../../../shared/domain.js';
import { ErrorNotice, Field } from '../../components/ui.js';
import { splitList } from '../../components/format.js';
import { useAction, useConsole } from '../../state/context.js';

type AuthKind = Exclude<ServerAuth['kind'], 'local'>;

export function ServerForm({
  server,
  groups,
  servers,
  onDone,
}: {
  server: ServerSummary | null;
  groups: Group[];
  servers: ServerSummary[];
  onDone: (name: string | null) => void;
}) {
  const perform = useConsole((s) => s.perform);
  const notify = useConsole((s) => s.notify);
  const { busy, error, run } = useAction();
  const local = server?.local ?? false;
  const [name, setName] = useState(server?.name ?? '');
  const [host, setHost] = useState(server && !local ? server.host : '');
  const [port, setPort] = useState(String(server?.port ?? 22));
  const [user, setUser] = useState(server?.user ?? 'root');
  const [authKind, setAuthKind] = useState<AuthKind>(server && server.auth.kind !== 'local' ? server.auth.kind : 'agent');
  const [keyFile, setKeyFile] = useState(server?.auth.kind === 'key' ? server.auth.keyFile : '');
  const [secretEnv, setSecretEnv] = useState(
    server?.auth.kind === 'key' ? (server.auth.passphraseEnv ?? '') : server?.auth.kind === 'password' ? (server.auth.passwordEnv ?? '') : '',
  );
  const [os, setOs] = useState<ServerOs>(server?.os ?? 'linux');
  const [group, setGroup] = useState(server?.group ?? '');
  const [tags, setTags] = useState((server?.tags ?? []).join(', '));
  const [sudo, setSudo] = useState(server?.sudo ?? false);
  const [jump, setJump] = useState(server?.jump ?? '');
  const [shell, setShell] = useState(server?.shell ?? 'sh');

  function buildInput(): ServerInput {
    const base: ServerInput = { name: name.trim(), os, group: group || null, tags: splitList(tags), shell: shell.trim() || 'sh' };
    if (local) return { ...base, local: true };
    let auth: ServerAuth;
    if (authKind === 'key') auth = { kind: 'key', keyFile: keyFile.trim(), ...(secretEnv.trim() ? { passphraseEnv: secretEnv.trim() } : {}) };
    else if (authKind === 'password') auth = { kind: 'password', ...(secretEnv.trim() ? { passwordEnv: secretEnv.trim() } : {}) };
    else auth = { kind: 'agent' };
    return { ...base, host: host.trim(), port: Number(port), user: user.trim(), auth, sudo, jump: jump || null };
  }

  async function submit(event: FormEvent) {
    event.preventDefault();
    const input = buildInput();
    const saved = await run(() =>
      server
        ? perform('servers/update', { name: server.name, patch: input }, ['servers', 'dashboard'])
        : perform('servers/add', input, ['servers', 'dashboard']),
    );
    if (saved) {
      notify(
        'success',
        server
          ? `Saved server ${saved.name}.`
          : saved.local
            ? `Added server ${saved.name}.`
            : `Added server ${saved.name}. Next: verify its host key, so that it can be scanned.`,
      );
      // What looks like a mistake (a shared address, a name differing only by case) is said, not refused.
      for (const w of saved.warnings) notify('info', `Note: ${w}.`);
      onDone(saved.name);
    }
  }

  return (
    <form className="form" onSubmit={(e) => void submit(e)}>
      <div className="form-grid">
        <Field label="Name" htmlFor="sf-name" hint="How this server is named in events and reports.">
          <input id="sf-name" value={name} onChange={(e) => setName(e.target.value)} required autoFocus placeholder="web-01" />
        </Field>
        <Field label="Group" htmlFor="sf-group" hint="The group's policies decide what is scanned.">
          <select id="sf-group" value={group} onChange={(e) => setGroup(e.target.value)}>
            <option value="">Unassigned</option>
            {groups.map((g) => (
              <option key={g.name} value={g.name}>
                {g.name}
              </option>
            ))}
          </select>
        </Field>
        {local ? (
          <p className="muted span-2">This is the machine the console runs on: it is scanned directly, without SSH.</p>
        ) : (
          <>
            <Field label="Host" htmlFor="sf-host">
              <input id="sf-host" value={host} onChange={(e) => setHost(e.target.value)} required placeholder="10.0.0.12 or web-01.example.com" />
            </Field>
            <div className="field-row">
              <Field label="SSH port" htmlFor="sf-port">
                <input id="sf-port" type="number" min={1} max={65535} value={port} onChange={(e) => setPort(e.target.value)} />
              </Field>
              <Field label="User" htmlFor="sf-user">
                <input id="sf-user" value={user} onChange={(e) => setUser(e.target.value)} />
              </Field>
            </div>
            <Field label="Authentication" htmlFor="sf-auth">
              <select id="sf-auth" value={authKind} onChange={(e) => setAuthKind(e.target.value as AuthKind)}>
                <option value="agent">SSH agent</option>
                <option value="key">Private key file</option>
                <option value="password">Password (from an environment variable)</option>
              </select>
            </Field>
            {authKind === 'key' ? (
              <Field label="Key file" htmlFor="sf-key">
                <input id="sf-key" value={keyFile} onChange={(e) => setKeyFile(e.target.value)} required placeholder="~/.ssh/id_ed25519" />
              </Field>
            ) : (
              <span />
            )}
            {authKind !== 'agent' ? (
              <Field
                label={authKind === 'key' ? 'Passphrase variable (optional)' : 'Password variable'}
                htmlFor="sf-secret"
                hint="The name of an environment variable; secrets are never stored."
              >
                <input id="sf-secret" value={secretEnv} onChange={(e) => setSecretEnv(e.target.value)} placeholder="DRIFTWATCH_SSH_SECRET" />
              </Field>
            ) : null}
            <Field label="Jump host" htmlFor="sf-jump">
              <select id="sf-jump" value={jump} onChange={(e) => setJump(e.target.value)}>
                <option value="">None (direct)</option>
                {servers
                  .filter((s) => !s.local && s.name !== server?.name)
                  .map((s) => (
                    <option key={s.name} value={s.name}>
                      {s.name}
                    </option>
                  ))}
              </select>
            </Field>
            <label className="check span-2">
              <input type="checkbox" checked={sudo} onChange={(e) => setSudo(e.target.checked)} /> Run the scanner with <code>sudo -n</code> (to read
              root-only files)
            </label>
          </>
        )}
        <Field label="Operating system" htmlFor="sf-os">
          <select id="sf-os" value={os} onChange={(e) => setOs(e.target.value as ServerOs)}>
            <option value="linux">Linux / Unix</option>
            <option value="windows">Windows</option>
          </select>
        </Field>
        <Field label="Shell" htmlFor="sf-shell" hint="Reads the scanner script from stdin.">
          <input id="sf-shell" value={shell} onChange={(e) => setShell(e.target.value)} />
        </Field>
        <Field label="Tags" htmlFor="sf-tags" hint="Comma separated.">
          <input id="sf-tags" value={tags} onChange={(e) => setTags(e.target.value)} placeholder="pci, production" />
        </Field>
      </div>
      <ErrorNotice error={error} />
      <div className="form-actions">
        <button type="button" className="btn" onClick={() => onDone(null)}>
          Cancel
        </button>
        <button type="submit" className="btn primary" disabled={busy}>
          {busy ? 'Saving…' : server ? 'Save server' : 'Add server'}
        </button>
      </div>
    </form>
  );
}
