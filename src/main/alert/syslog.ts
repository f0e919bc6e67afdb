// RFC 5424 syslog messages, over UDP (one message per datagram, RFC 5426) or TCP (octet-counting
// framing, RFC 6587).
import dgram from 'node:dgram';
import net from 'node:net';
import os from 'node:os';
import { ApiError } from '../../shared/api.js';

export interface SyslogTarget {
  protocol: 'udp' | 'tcp';
  host: string;
  port: number;
  /** Canonical spec: udp://HOST:PORT or tcp://HOST:PORT. */
  spec: string;
}

/** HOST:PORT (UDP), udp://HOST:PORT or tcp://HOST:PORT; IPv6 hosts in brackets. */
export function parseSyslogTarget(spec: unknown): SyslogTarget {
  const bad = () => new ApiError('invalid_input', `syslog takes HOST:PORT, udp://HOST:PORT or tcp://HOST:PORT, got ${JSON.stringify(spec)}`);
  if (typeof spec !== 'string') throw bad();
  const m = /^(?:(udp|tcp):\/\/)?(\[[0-9A-Fa-f:.]+\]|[A-Za-z0-9._-]+):(\d{1,5})$/.exec(spec.trim());
  if (!m) throw bad();
  const port = Number(m[3]);
  if (port < 1 || port > 65535) throw bad();
  const protocol = (m[1] ?? 'udp') as 'udp' | 'tcp';
  const host = m[2]!.startsWith('[') ? m[2]!.slice(1, -1) : m[2]!;
  return { protocol, host, port, spec: `${protocol}://${m[2]}:${port}` };
}

export const SEVERITY = { emergency: 0, alert: 1, critical: 2, error: 3, warning: 4, notice: 5, info: 6, debug: 7 } as const;
const FACILITY_LOCAL0 = 16;
/** Documentation enterprise number (RFC 5612) for the structured-data id. */
const SD_ID = 'driftwatch@32473';

export interface SyslogMessage {
  severity: keyof typeof SEVERITY;
  msgId: string;
  params: Record<string, string | number | boolean>;
  text: string;
  at: string;
}

function sdEscape(v: string): string {
  return v.replace(/[\\"\]]/g, (c) => `\\${c}`);
}

function headerField(v: string, max: number): string {
  const printable = v.replace(/[^\x21-\x7e]/g, '');
  return (printable || '-').slice(0, max);
}

/** One RFC 5424 message: <PRI>1 TIMESTAMP HOSTNAME APP-NAME PROCID MSGID [SD] MSG */
export function formatSyslog(m: SyslogMessage, hostname = os.hostname()): string {
  const pri = FACILITY_LOCAL0 * 8 + SEVERITY[m.severity];
  const sd = `[${SD_ID}${Object.entries(m.params)
    .map(([k, v]) => ` ${k}="${sdEscape(String(v))}"`)
    .join('')}]`;
  const text = m.text.replace(/[\r\n]+/g, ' ');
  return `<${pri}>1 ${m.at} ${headerField(hostname, 255)} driftwatch ${process.pid} ${headerField(m.msgId, 32)} ${sd} ${text}`;
}

const TIMEOUT_MS = 10_000;

export async function sendSyslog(target: SyslogTarget, messages: string[]): Promise<void> {
  if (target.protocol === 'udp') {
    const socket = dgram.createSocket(net.isIPv6(target.host) ? 'udp6' : 'udp4');
    try {
      for (const m of messages) {
        await new Promise<void>((resolve, reject) => socket.send(Buffer.from(m, 'utf8'), target.port, target.host, (err) => (err ? reject(err) : resolve())));
      }
    } finally {
      socket.close();
    }
    return;
  }
  await new Promise<void>((resolve, reject) => {
    const socket = net.connect({ host: target.host, port: target.port });
    socket.setTimeout(TIMEOUT_MS, () => socket.destroy(new Error(`syslog ${target.spec}: timed out`)));
    socket.on('error', reject);
    socket.on('connect', () => {
      const frames = messages.map((m) => {
        const b = Buffer.from(m, 'utf8');
        return Buffer.concat([Buffer.from(`${b.length} `), b]);
      });
      socket.end(Buffer.concat(frames));
    });
    socket.on('close', (hadError) => {
      if (!hadError) resolve();
    });
  });
}
