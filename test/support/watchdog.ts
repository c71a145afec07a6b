/**
 * A safety net for private servers: a detached `sh` loop that runs a clean-up command when this
 * process dies without cleaning up (a worker killed by a signal, a hung test torn down). The
 * normal path stops servers itself and cancels the watchdog.
 */
import { spawn } from 'node:child_process';

/** Quotes one argument for `sh`. */
export const shellQuote = (arg: string): string => `'${arg.replaceAll("'", `'\\''`)}'`;

/** Runs `script` (sh syntax) once this process is gone. Returns a function that cancels it. */
export function watchdog(script: string): () => void {
  const child = spawn(
    'sh',
    ['-c', `while kill -0 ${process.pid} 2>/dev/null; do sleep 1; done; ${script}`],
    { detached: true, stdio: 'ignore' },
  );
  child.on('error', () => undefined);
  child.unref();
  let cancelled = false;
  return () => {
    if (cancelled) return;
    cancelled = true;
    child.kill('SIGKILL');
  };
}
