// Authentication on one hop: ssh-agent (SSH_AUTH_SOCK), a private key file (passphrase from the
// environment variable the server names), or a password from the environment variable the server
// names. Secrets are read when connecting and never stored.
import { readFile } from 'node:fs/promises';
import type { AnyAuthMethod, AuthenticationType, ParsedKey } from 'ssh2';
import { SshError, hostPort, label, ssh2, type SshEndpoint } from './ssh-endpoint.js';

export interface AuthPlan {
  /** The ssh2 method and what we call it in messages. */
  methods: { method: AnyAuthMethod; wire: AuthenticationType; name: string }[];
}

export async function planAuth(ep: SshEndpoint, env: NodeJS.ProcessEnv, home: string): Promise<AuthPlan> {
  const auth = ep.auth;
  const who = `${ep.user}@${hostPort(ep)}`;
  switch (auth.kind) {
    case 'local':
      throw new SshError('config', `${label(ep)} is a local server, not an SSH one`);
    case 'agent': {
      const sock = env.SSH_AUTH_SOCK;
      if (!sock) throw new SshError('auth', `authentication failed for ${who}: agent auth needs SSH_AUTH_SOCK (no ssh-agent in this environment)`);
      const agent = new (ssh2().OpenSSHAgent)(sock);
      const keys = await new Promise<unknown[]>((resolve, reject) => {
        agent.getIdentities((err, list) => (err ? reject(err) : resolve(Array.isArray(list) ? list : [])));
      }).catch((err: Error) => {
        throw new SshError('auth', `authentication failed for ${who}: cannot use ssh-agent at ${sock}: ${err.message}`);
      });
      if (keys.length === 0) throw new SshError('auth', `authentication failed for ${who}: the ssh-agent at ${sock} holds no keys`);
      return { methods: [{ method: { type: 'agent', username: ep.user, agent }, wire: 'publickey', name: 'publickey (ssh-agent)' }] };
    }
    case 'key': {
      const file = auth.keyFile.startsWith('~/') ? `${home}/${auth.keyFile.slice(2)}` : auth.keyFile;
      let data: Buffer;
      try {
        data = await readFile(file);
      } catch (err) {
        throw new SshError('config', `cannot read key file ${file}: ${(err as Error).message}`);
      }
      let passphrase: string | undefined;
      if (auth.passphraseEnv) {
        passphrase = env[auth.passphraseEnv];
        if (passphrase === undefined) {
          throw new SshError('auth', `authentication failed for ${who}: the passphrase variable ${auth.passphraseEnv} is not set`);
        }
      }
      const parsed = ssh2().utils.parseKey(data, passphrase);
      if (parsed instanceof Error) {
        const msg = parsed.message;
        if (/no passphrase/i.test(msg)) {
          throw new SshError('auth', `key file ${file} is passphrase-protected: set passphraseEnv to the variable that holds its passphrase`);
        }
        if (passphrase !== undefined && /decrypt|passphrase|bad/i.test(msg)) {
          throw new SshError('auth', `cannot decrypt key file ${file} with the passphrase from ${auth.passphraseEnv}: ${msg}`);
        }
        throw new SshError('config', `cannot parse key file ${file}: ${msg}`);
      }
      const key = Array.isArray(parsed) ? (parsed[0] as ParsedKey) : parsed;
      if (!key.isPrivateKey()) throw new SshError('config', `key file ${file} holds no private key`);
      return { methods: [{ method: { type: 'publickey', username: ep.user, key }, wire: 'publickey', name: 'publickey' }] };
    }
    case 'password': {
      if (!auth.passwordEnv) {
        throw new SshError('config', `password auth for ${label(ep)} names no environment variable (passwordEnv) to read the password from`);
      }
      const password = env[auth.passwordEnv];
      if (password === undefined) {
        throw new SshError('auth', `authentication failed for ${who}: the password variable ${auth.passwordEnv} is not set`);
      }
      return { methods: [{ method: { type: 'password', username: ep.user, password }, wire: 'password', name: 'password' }] };
    }
  }
}
