/**
 * Idle pages in a child process (idle-client.ts), driven over IPC: the `gateway-idle` scenario
 * and test/gateway/idle.test.ts open thousands of SSE streams from it, so the server's memory is
 * measured without the clients'. The child raises its soft fd limit to what it needs (`ulimit -n`)
 * when the hard limit allows; the server's process needs as many descriptors itself.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import type { IdleCommand, IdleReport } from './idle-client.js';

const CHILD = fileURLToPath(new URL('./idle-client.ts', import.meta.url));

/** What opening the streams gave. */
export interface Opened {
  readonly ready: number;
  readonly refused: Readonly<Record<string, number>>;
  readonly failed: number;
}

type Reply =
  | ({ readonly kind: 'opened' } & Opened)
  | ({ readonly kind: 'report' } & IdleReport)
  | { readonly kind: 'received' }
  | { readonly kind: 'up' };

/** The pages' process. */
export class IdlePages {
  readonly #child: ChildProcess;
  readonly #exited: Promise<void>;

  private constructor(child: ChildProcess) {
    this.#child = child;
    this.#exited = new Promise((resolve) => child.once('exit', () => resolve()));
  }

  /** Starts the child, with room for `pages` sockets; resolves once it listens. */
  static async start(pages: number): Promise<IdlePages> {
    const fds = pages + 256;
    const child = spawn(
      '/bin/sh',
      [
        '-c',
        `ulimit -n ${fds} 2>/dev/null || true; exec "$0" "$@"`,
        process.execPath,
        '--import',
        'tsx',
        CHILD,
      ],
      { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] },
    );
    const pagesProcess = new IdlePages(child);
    await pagesProcess.#reply('up');
    return pagesProcess;
  }

  /** Opens `pages` streams on `topics` (round-robin); resolves once each is ready or refused. */
  async open(
    port: number,
    path: string,
    pages: number,
    topics: readonly string[],
  ): Promise<Opened> {
    const { kind: _, ...opened } = await this.#ask(
      { kind: 'open', port, path, pages, topics },
      'opened',
    );
    return opened;
  }

  /** What the pages saw so far. */
  async report(): Promise<IdleReport> {
    const { kind: _, ...report } = await this.#ask({ kind: 'report' }, 'report');
    return report;
  }

  /** Resolves once every ready page received `messages` messages. */
  until(messages: number): Promise<void> {
    return this.#ask({ kind: 'until', messages }, 'received').then(() => undefined);
  }

  /** Ends the child: its sockets close with it. */
  async close(): Promise<void> {
    if (this.#child.exitCode === null && this.#child.signalCode === null) {
      if (this.#child.connected) this.#child.disconnect();
      else this.#child.kill();
    }
    await this.#exited;
  }

  #ask<K extends Reply['kind']>(
    command: IdleCommand,
    kind: K,
  ): Promise<Extract<Reply, { kind: K }>> {
    const reply = this.#reply(kind);
    this.#child.send(command);
    return reply;
  }

  #reply<K extends Reply['kind']>(kind: K): Promise<Extract<Reply, { kind: K }>> {
    return new Promise((resolve, reject) => {
      const onMessage = (reply: Reply): void => {
        if (reply.kind !== kind) return;
        cleanup();
        resolve(reply as Extract<Reply, { kind: K }>);
      };
      const onExit = (code: number | null): void => {
        cleanup();
        reject(new Error(`the idle pages' process exited (${String(code)}) before "${kind}"`));
      };
      const cleanup = (): void => {
        this.#child.off('message', onMessage);
        this.#child.off('exit', onExit);
      };
      this.#child.on('message', onMessage);
      this.#child.once('exit', onExit);
    });
  }
}
