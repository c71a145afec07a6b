/**
 * The checks of `herald doctor`, one function each, each returning lines of the report with a
 * verdict: `ok`, `warn` (works, but look at it), `fail` (an app on this machine with this
 * configuration would not work) or `skip` (not configured, so not checked; never a failure).
 *
 * Transports are probed with their own clients (ioredis, pg), with the addresses the transports
 * resolve (the same resolveOptions functions, so the same REDIS_URL / DATABASE_URL rules): one
 * connection each, a few round trips, the server version and the server clock, then closed.
 */
import { readFileSync } from 'node:fs';
import { connect } from 'node:net';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { DEFAULT_MAX_FUTURE_MS, DEFAULT_MAX_PAST_MS, type KeyConfig } from '../src/index.js';
import { createKeyRing } from '../src/internal.js';

/** A verdict of one line of the report. */
export const Verdict = { Ok: 'ok', Warn: 'warn', Fail: 'fail', Skip: 'skip' } as const;
export type Verdict = (typeof Verdict)[keyof typeof Verdict];

/** One line of the report. */
export interface CheckLine {
  readonly check: string;
  readonly verdict: Verdict;
  readonly detail: string;
  /** What to do about a warn or fail. */
  readonly hint?: string;
  /** Measured figures, for `--json`. */
  readonly figures?: Readonly<Record<string, number | string>>;
}

const line = (
  check: string,
  verdict: Verdict,
  detail: string,
  extra: { hint?: string; figures?: Record<string, number | string> } = {},
): CheckLine => ({ check, verdict, detail, ...extra });

const message = (error: unknown): string =>
  error instanceof Error ? (error.message.split('\n')[0] ?? error.message) : String(error);

/** The `engines.node` range of Herald's own package.json, found from this module upward. */
function enginesRange(): string | undefined {
  let dir = dirname(fileURLToPath(import.meta.url));
  for (;;) {
    try {
      const pkg = JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')) as {
        name?: string;
        engines?: { node?: string };
      };
      if (pkg.name === 'herald') return pkg.engines?.node;
    } catch {
      // no package.json here: keep walking up
    }
    const parent = dirname(dir);
    if (parent === dir) return undefined;
    dir = parent;
  }
}

const parts = (version: string): number[] =>
  version
    .replace(/^v/, '')
    .split('.')
    .map((n) => Number.parseInt(n, 10) || 0);

/** True when `version` satisfies every `>=x.y.z` / `<x.y.z` comparator of `range`. */
export function satisfies(version: string, range: string): boolean {
  const have = parts(version);
  const cmp = (want: number[]): number => {
    for (let i = 0; i < 3; i++) {
      const d = (have[i] ?? 0) - (want[i] ?? 0);
      if (d !== 0) return d;
    }
    return 0;
  };
  return range
    .split(/\s+/)
    .filter((c) => c.length > 0)
    .every((c) => {
      const m = /^(>=|>|<=|<|=)?v?([\d.]+)$/.exec(c);
      if (!m) return true;
      const d = cmp(parts(m[2]!));
      switch (m[1]) {
        case '>':
          return d > 0;
        case '<':
          return d < 0;
        case '<=':
          return d <= 0;
        case '>=':
          return d >= 0;
        default:
          return d === 0;
      }
    });
}

/** Node's version against Herald's `engines.node`. */
export function checkNode(version = process.version): CheckLine {
  const range = enginesRange();
  if (range === undefined) return line('node', 'ok', `${version} (no engines range found)`);
  return satisfies(version, range)
    ? line('node', 'ok', `${version} (herald needs ${range})`)
    : line('node', 'fail', `${version} does not satisfy ${range}`, {
        hint: `install Node ${range}`,
      });
}

/**
 * The keys: present, strong (Herald's own key loader refuses weak HS256 secrets and malformed
 * keys), and the rotation state: which keys sign, which are only accepted, which are retired.
 */
export function checkKeys(source: string, load: () => KeyConfig | undefined): CheckLine {
  let config: KeyConfig | undefined;
  try {
    config = load();
  } catch (error) {
    return line('keys', 'fail', `${source}: ${message(error)}`, {
      hint: 'fix the value, or make a new one with herald keys generate',
    });
  }
  if (config === undefined) {
    return line('keys', 'fail', `${source} is not set`, {
      hint: 'set it to the line herald keys generate prints (the same value on every node)',
    });
  }
  let ring: ReturnType<typeof createKeyRing>;
  try {
    ring = createKeyRing(config);
  } catch (error) {
    return line('keys', 'fail', `${source}: ${message(error)}`, {
      hint: 'make a strong key with herald keys generate',
    });
  }
  const algs = [...new Set([...ring.verify.values()].map((k) => k.alg))].join('+');
  const signing = ring.signing.map((k) => k.kid);
  const acceptedOnly = [...ring.verify.keys()].filter(
    (kid) => !signing.includes(kid) && !ring.retired.has(kid),
  );
  const parts = [
    `${source}: ${ring.verify.size} key${ring.verify.size === 1 ? '' : 's'} (${algs}), strong`,
    signing.length === 0
      ? 'verify-only (no key this node can sign with)'
      : signing.length > 1
        ? `rotation overlap: signs with ${signing.join(' and ')}`
        : `signs with ${signing[0]}`,
    ...(acceptedOnly.length > 0 ? [`also accepts ${acceptedOnly.join(', ')}`] : []),
    ...(ring.retired.size > 0 ? [`retired: ${[...ring.retired].join(', ')}`] : []),
  ];
  return line('keys', 'ok', parts.join('; '), {
    figures: { keys: ring.verify.size, signing: signing.length, retired: ring.retired.size },
  });
}

/** A transport to probe, and whether the user configured it explicitly. */
export interface TransportTarget {
  readonly name: 'redis' | 'postgres';
  /** A URL from a flag or the environment, or `--transport` naming it: a failure then fails. */
  readonly configured: boolean;
  readonly url: string | undefined;
  readonly prefix?: string | undefined;
}

/** What a transport probe measured. */
interface Probe {
  readonly where: string;
  readonly version: string;
  /** Best of three round trips, ms. */
  readonly rttMs: number;
  /** Server clock minus the local clock at the middle of the round trip, ms. */
  readonly skewMs: number;
  /** Half the round trip of the clock query: the skew's uncertainty, ms. */
  readonly skewErrorMs: number;
}

const TIMEOUT_MS = 2000;

function timed<T>(promise: Promise<T>, what: string, ms = TIMEOUT_MS): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  return Promise.race([
    promise,
    new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error(`${what} did not answer within ${ms} ms`)), ms);
    }),
  ]).finally(() => clearTimeout(timer));
}

async function bestOf3(run: () => Promise<unknown>): Promise<number> {
  let best = Number.POSITIVE_INFINITY;
  for (let i = 0; i < 3; i++) {
    const t0 = performance.now();
    await run();
    best = Math.min(best, performance.now() - t0);
  }
  return best;
}

/** Server clock (ms since the epoch) read by `query`, against the local clock. */
async function clockSkew(query: () => Promise<number>): Promise<{ skew: number; error: number }> {
  const t0 = Date.now();
  const p0 = performance.now();
  const server = await query();
  const half = (performance.now() - p0) / 2;
  return { skew: server - (t0 + half), error: half };
}

async function probeRedis(target: TransportTarget): Promise<Probe> {
  // Imported here: the CLI loads without the transports' clients installed.
  const { resolveOptions } = await import('../src/adapters/redis/options.js');
  const options = resolveOptions(target.url === undefined ? {} : { url: target.url });
  const node = options.nodes[0]!;
  const { Redis } = await import('ioredis');
  const client = new Redis({
    ...options.base,
    host: node.host,
    port: node.port,
    lazyConnect: true,
    connectTimeout: TIMEOUT_MS,
    enableOfflineQueue: false,
    maxRetriesPerRequest: 0,
    retryStrategy: () => null,
  });
  // ioredis rejects connect() with "Connection is closed."; the socket's own error says why.
  let socketError: Error | undefined;
  client.on('error', (error: Error) => {
    socketError ??= error;
  });
  try {
    await timed(client.connect(), `Redis at ${options.display}`).catch((error: unknown) => {
      throw new Error(`${options.display}: ${message(socketError ?? error)}`);
    });
    const rttMs = await bestOf3(() => timed(client.ping(), 'PING'));
    const info = await timed(client.info('server'), 'INFO');
    const version = /redis_version:([^\r\n]+)/.exec(info)?.[1] ?? 'unknown';
    const valkey = /valkey_version:([^\r\n]+)/.exec(info)?.[1];
    const { skew, error } = await clockSkew(async () => {
      const [s, us] = await timed(client.time(), 'TIME');
      return Number(s) * 1000 + Number(us) / 1000;
    });
    return {
      where: options.display,
      version: valkey === undefined ? `Redis ${version}` : `Valkey ${valkey}`,
      rttMs,
      skewMs: skew,
      skewErrorMs: error,
    };
  } finally {
    client.disconnect();
  }
}

async function probePostgres(target: TransportTarget): Promise<Probe> {
  const { resolveOptions } = await import('../src/adapters/postgres/options.js');
  const options = resolveOptions(target.url === undefined ? {} : { connectionString: target.url });
  const pg = (await import('pg')).default;
  const client = new pg.Client({ ...options.client, connectionTimeoutMillis: TIMEOUT_MS });
  client.on('error', () => undefined);
  const where = `postgres://${options.host}:${options.port}/${options.database}`;
  try {
    await timed(client.connect(), `PostgreSQL at ${where}`).catch((error: unknown) => {
      throw new Error(`${where}: ${message(error)}`);
    });
    const rttMs = await bestOf3(() => timed(client.query('SELECT 1'), 'SELECT 1'));
    const version = (await timed(client.query('SHOW server_version'), 'SHOW server_version'))
      .rows[0] as { server_version: string };
    const { skew, error } = await clockSkew(async () => {
      const result = await timed(
        client.query('SELECT (extract(epoch from clock_timestamp()) * 1000)::float8 AS ms'),
        'clock_timestamp()',
      );
      return Number((result.rows[0] as { ms: number }).ms);
    });
    return {
      where,
      version: `PostgreSQL ${version.server_version}`,
      rttMs,
      skewMs: skew,
      skewErrorMs: error,
    };
  } finally {
    await client.end().catch(() => undefined);
  }
}

/** Skew beyond this is a warning: it eats into the future window. */
export const SKEW_WARN_MS = 1000;

const ms = (n: number): string => (Math.abs(n) < 10 ? n.toFixed(1) : n.toFixed(0));

/**
 * A transport: reachable, round trip, server version; then this machine's clock against the
 * server's. A skew beyond `freshness.maxFutureMs` (default 5 s) makes every message this node
 * signs look like it comes from the future to a node whose clock agrees with the server: fail.
 */
export async function checkTransport(
  target: TransportTarget,
  maxFutureMs = DEFAULT_MAX_FUTURE_MS,
): Promise<CheckLine[]> {
  let probe: Probe;
  try {
    probe = await (target.name === 'redis' ? probeRedis(target) : probePostgres(target));
  } catch (error) {
    const why = message(error);
    return [
      line(target.name, target.configured ? 'fail' : 'warn', `not reachable: ${why}`, {
        hint: target.configured
          ? `start the server or fix the URL (${target.name === 'redis' ? 'REDIS_URL, --redis-url' : 'DATABASE_URL, --database-url'})`
          : `not configured, and nothing answers at the default address; set ${target.name === 'redis' ? 'REDIS_URL' : 'DATABASE_URL'} if the app uses it`,
      }),
    ];
  }
  const skew = probe.skewMs;
  const abs = Math.abs(skew);
  const clock =
    abs > maxFutureMs
      ? line(
          `${target.name} clock`,
          'fail',
          `skew ${skew > 0 ? '+' : ''}${ms(skew)} ms (±${ms(probe.skewErrorMs)}) beyond the ${maxFutureMs} ms future window`,
          { hint: "synchronise this machine's clock (NTP): receivers will refuse its messages" },
        )
      : line(
          `${target.name} clock`,
          abs > SKEW_WARN_MS ? 'warn' : 'ok',
          `skew ${skew > 0 ? '+' : ''}${ms(skew)} ms (±${ms(probe.skewErrorMs)}) against the server clock; window -${DEFAULT_MAX_PAST_MS}/+${maxFutureMs} ms`,
          abs > SKEW_WARN_MS ? { hint: 'synchronise the clocks (NTP)' } : {},
        );
  return [
    line(target.name, 'ok', `${probe.where}, ${probe.version}, round trip ${ms(probe.rttMs)} ms`, {
      figures: { rttMs: Number(probe.rttMs.toFixed(3)), version: probe.version },
    }),
    {
      ...clock,
      figures: {
        skewMs: Number(skew.toFixed(3)),
        skewErrorMs: Number(probe.skewErrorMs.toFixed(3)),
      },
    },
  ];
}

/**
 * The OTLP endpoint of `OTEL_EXPORTER_OTLP_TRACES_ENDPOINT` (a full URL) or
 * `OTEL_EXPORTER_OTLP_ENDPOINT` (a base URL; traces at `/v1/traces`). Over HTTP an empty export
 * request is POSTed (`{"resourceSpans":[]}`, valid OTLP/JSON); with
 * `OTEL_EXPORTER_OTLP_PROTOCOL=grpc` only a TCP connection is opened.
 */
export async function checkOtlp(
  env: Readonly<Record<string, string | undefined>>,
): Promise<CheckLine> {
  const full = env.OTEL_EXPORTER_OTLP_TRACES_ENDPOINT?.trim();
  const base = env.OTEL_EXPORTER_OTLP_ENDPOINT?.trim();
  if (!full && !base) return line('otlp', 'skip', 'OTEL_EXPORTER_OTLP_ENDPOINT is not set');
  const raw = full || `${base!.replace(/\/+$/, '')}/v1/traces`;
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    return line('otlp', 'fail', `"${raw}" is not a URL`, { hint: 'write http://host:4318' });
  }
  const protocol = env.OTEL_EXPORTER_OTLP_PROTOCOL?.trim() ?? 'http/protobuf';
  if (protocol === 'grpc') {
    const port = Number(url.port || (url.protocol === 'https:' ? 443 : 80));
    const t0 = performance.now();
    try {
      await timed(
        new Promise<void>((resolve, reject) => {
          const socket = connect({ host: url.hostname, port }, () => {
            socket.destroy();
            resolve();
          });
          socket.on('error', reject);
        }),
        `${url.host}`,
      );
      return line(
        'otlp',
        'ok',
        `${url.host} accepts connections (grpc), ${ms(performance.now() - t0)} ms`,
      );
    } catch (error) {
      return line('otlp', 'fail', `${url.host} (grpc): ${message(error)}`, {
        hint: 'start the collector, or fix OTEL_EXPORTER_OTLP_ENDPOINT',
      });
    }
  }
  const t0 = performance.now();
  try {
    const response = await fetch(url, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: '{"resourceSpans":[]}',
      signal: AbortSignal.timeout(TIMEOUT_MS),
    });
    await response.arrayBuffer().catch(() => undefined);
    const took = ms(performance.now() - t0);
    if (response.ok)
      return line(
        'otlp',
        'ok',
        `${url.href} accepted an empty export (${response.status}), ${took} ms`,
      );
    return line('otlp', 'warn', `${url.href} answered ${response.status}, ${took} ms`, {
      hint: 'reachable, but it refused an OTLP/JSON export: check the path (/v1/traces) and protocol',
    });
  } catch (error) {
    const cause = (error as { cause?: unknown }).cause;
    return line('otlp', 'fail', `${url.href}: ${message(cause ?? error)}`, {
      hint: 'start the collector, or fix OTEL_EXPORTER_OTLP_ENDPOINT',
    });
  }
}
