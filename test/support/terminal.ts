// The real `driftwatch` binary run under a pseudo-terminal (python3's pty module), so that stdin
// is a TTY and the command may ask; each prompt seen is answered with its reply, in order.
import { execFile } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');

const DRIVER = String.raw`
import json, os, pty, select, sys
argv = json.loads(sys.argv[1])
answers = json.loads(sys.argv[2])
pid, fd = pty.fork()
if pid == 0:
    os.execvp(argv[0], argv)
out = b''
seen = 0
i = 0
while True:
    r, _, _ = select.select([fd], [], [], 300)
    if not r:
        break
    try:
        data = os.read(fd, 65536)
    except OSError:
        break
    if not data:
        break
    out += data
    if i < len(answers) and answers[i][0].encode() in out[seen:]:
        os.write(fd, (answers[i][1] + '\n').encode())
        seen = len(out)
        i += 1
_, status = os.waitpid(pid, 0)
sys.stdout.buffer.write(out)
sys.exit(os.waitstatus_to_exitcode(status))
`;

export interface TerminalResult {
  code: number;
  /** Everything the terminal showed (stdout, stderr and the typed replies echoed), with \n line ends. */
  screen: string;
}

/** `driftwatch --home HOME ARGS...` on a terminal; `answers`: [text of the prompt, what the person types]. */
export function onTerminal(home: string, args: string[], answers: [string, string][] = []): Promise<TerminalResult> {
  const argv = [process.execPath, path.join(ROOT, 'bin', 'driftwatch.js'), '--home', home, ...args];
  return new Promise((resolve, reject) => {
    execFile('python3', ['-c', DRIVER, JSON.stringify(argv), JSON.stringify(answers)], { cwd: ROOT, encoding: 'utf8', maxBuffer: 16 << 20 }, (err, stdout) => {
      const code = err ? (typeof err.code === 'number' ? err.code : null) : 0;
      if (code === null) reject(err);
      else resolve({ code, screen: stdout.replace(/\r\n/g, '\n') });
    });
  });
}
