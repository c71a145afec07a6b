/**
 * A loopback TCP proxy for fault tests: put it between a client and a server, then drop
 * (FIN), reset (RST) or blackhole (sockets stay open, no byte moves: a half-open, silent
 * connection) every connection, or refuse new ones, at the moment the test chooses.
 */
import { createServer, type Server, type Socket, connect as tcpConnect } from 'node:net';

/** Options of {@link startProxy}. */
export interface ProxyOptions {
  /** @default '127.0.0.1' */
  readonly targetHost?: string;
  /** Port the proxy listens on. @default a free port */
  readonly port?: number;
}

/** A running proxy. */
export interface TcpProxy {
  /** The port clients connect to (on 127.0.0.1). */
  readonly port: number;
  /** Connections accepted since start. */
  readonly connections: number;
  /** Connections open now. */
  readonly active: number;
  /** Bytes forwarded client → server and server → client. */
  readonly bytes: { readonly up: number; readonly down: number };
  /** Closes every open connection gracefully (FIN) on both sides. Clients may reconnect. */
  drop(): void;
  /** Resets every open connection (RST): clients see ECONNRESET. Clients may reconnect. */
  reset(): void;
  /**
   * On: stop forwarding bytes both ways (they are discarded) while every socket stays open;
   * new connections are accepted and get the same treatment. Off: forward again.
   */
  blackhole(on: boolean): void;
  /** On: new connections are reset at once (the server looks down). Open ones are untouched. */
  refuse(on: boolean): void;
  /** Stops listening and destroys every connection. */
  close(): Promise<void>;
}

interface Pair {
  client: Socket;
  upstream: Socket;
}

/** Starts a proxy on 127.0.0.1 that forwards to `targetHost:targetPort`. */
export async function startProxy(
  targetPort: number,
  options: ProxyOptions = {},
): Promise<TcpProxy> {
  const targetHost = options.targetHost ?? '127.0.0.1';
  const pairs = new Set<Pair>();
  let connections = 0;
  let blackholed = false;
  let refusing = false;
  const bytes = { up: 0, down: 0 };

  const server: Server = createServer((client) => {
    connections++;
    if (refusing) {
      client.resetAndDestroy();
      return;
    }
    const upstream = tcpConnect({ host: targetHost, port: targetPort });
    const pair: Pair = { client, upstream };
    pairs.add(pair);
    client.setNoDelay(true);
    upstream.setNoDelay(true);
    // Bytes written before the upstream connects are buffered by the socket itself.
    client.on('data', (chunk: Buffer) => {
      if (blackholed) return;
      bytes.up += chunk.length;
      upstream.write(chunk);
    });
    upstream.on('data', (chunk: Buffer) => {
      if (blackholed) return;
      bytes.down += chunk.length;
      client.write(chunk);
    });
    const close = (): void => {
      if (!pairs.delete(pair)) return;
      client.destroy();
      upstream.destroy();
    };
    client.on('close', close);
    upstream.on('close', close);
    // Errors end the pair; the peer sees its connection close.
    client.on('error', close);
    upstream.on('error', close);
  });

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen({ host: '127.0.0.1', port: options.port ?? 0 }, () => resolve());
  });
  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : 0;

  return {
    port,
    get connections() {
      return connections;
    },
    get active() {
      return pairs.size;
    },
    get bytes() {
      return { ...bytes };
    },
    drop() {
      for (const pair of [...pairs]) {
        pairs.delete(pair);
        pair.client.end();
        pair.upstream.end();
        pair.client.destroySoon();
        pair.upstream.destroySoon();
      }
    },
    reset() {
      for (const pair of [...pairs]) {
        pairs.delete(pair);
        if (!pair.client.destroyed) pair.client.resetAndDestroy();
        if (!pair.upstream.destroyed) {
          if (pair.upstream.connecting) pair.upstream.destroy();
          else pair.upstream.resetAndDestroy();
        }
      }
    },
    blackhole(on) {
      blackholed = on;
    },
    refuse(on) {
      refusing = on;
    },
    close() {
      for (const pair of [...pairs]) {
        pairs.delete(pair);
        pair.client.destroy();
        pair.upstream.destroy();
      }
      return new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
