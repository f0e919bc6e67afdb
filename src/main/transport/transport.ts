// A transport runs the scanner script on a server: `sh -s -- ARGS` with the script on stdin, so
// that nothing is written on the host. The local transport and the SSH transport both do this.
import type { Readable } from 'node:stream';

export interface ScriptExit {
  code: number | null;
  signal: string | null;
  /** The first bytes of stderr, for error messages (bounded). */
  stderr: string;
}

export interface ScriptProcess {
  /** The script's stdout, already decompressed if the transport compressed it. */
  stdout: Readable;
  /** Settles when the script has ended and its output is closed. Rejects on transport failure. */
  done: Promise<ScriptExit>;
  /** Stops the script (the scan then fails with `reason`). */
  kill(reason: string): void;
}

export interface RunOptions {
  /** Run under `sudo -n` (SSH servers). */
  sudo?: boolean;
  /** The shell that reads the script, `sh` unless the server says otherwise. */
  shell?: string;
}

export interface Transport {
  /** user@server whose login shell starts the script (SSH), for messages; absent for this machine. */
  readonly login?: string;
  runScript(script: string, args: string[], options?: RunOptions): Promise<ScriptProcess>;
  close(): void;
}

/** Most stderr we keep from a script, for the failure reason. */
export const STDERR_LIMIT = 8192;
