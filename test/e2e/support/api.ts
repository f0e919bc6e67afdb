// The console's HTTP API, called with the run's token as a bearer (what a script would do): the
// specs set up their stores through it and check what the screens did.
import type { ArgsOf, Envelope, HandlerName, ResultOf } from '../../../src/shared/api.js';

export interface ApiClient {
  call<K extends HandlerName>(name: K, args: ArgsOf<K>): Promise<ResultOf<K>>;
}

export function apiClient(url: string): ApiClient {
  const u = new URL(url);
  const token = u.searchParams.get('token');
  if (!token) throw new Error(`no token in ${url}`);
  return {
    async call(name, args) {
      const res = await fetch(`${u.origin}/api/${name}`, {
        method: 'POST',
        headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
        body: args === undefined ? '' : JSON.stringify(args),
      });
      const envelope = (await res.json()) as Envelope<never>;
      if (!envelope.ok) throw new Error(`${name}: ${envelope.error.code}: ${envelope.error.message}`);
      return envelope.data;
    },
  };
}
