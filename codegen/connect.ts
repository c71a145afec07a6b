/**
 * How `herald tail`, `publish` and `doctor` reach the application's bus: the same registry
 * module codegen loads (`--registry`), the same keys the app reads (`HERALD_KEYS`, in the format
 * `herald keys generate` prints and `keysFromEnv` parses: one definition, in
 * src/security/key-sources.ts), and a transport from flags or the environment.
 *
 * The CLI never runs on the in-process `local` transport: it would only ever see itself. `auto`
 * here means Redis, then PostgreSQL; when neither answers the command fails and says so.
 */
import { readFile } from 'node:fs/promises';
import {
  type Bus,
  type ChainOptions,
  createBus,
  type KeyConfig,
  parseKeyConfig,
  type Registry,
  type TransportName,
} from '../src/index.js';
import { CodegenError, CodegenErrorCode } from './errors.js';
import { loadRegistry } from './load.js';

/** `parseArgs` options shared by the commands that connect. */
export const CONNECT_OPTIONS = {
  registry: { type: 'string' },
  export: { type: 'string' },
  'keys-env': { type: 'string' },
  'keys-file': { type: 'string' },
  transport: { type: 'string' },
  'redis-url': { type: 'string' },
  'redis-prefix': { type: 'string' },
  'database-url': { type: 'string' },
  'postgres-prefix': { type: 'string' },
  node: { type: 'string' },
} as const;

/** The values of {@link CONNECT_OPTIONS} after parsing. */
export interface ConnectFlags {
  readonly registry?: string | undefined;
  readonly export?: string | undefined;
  readonly 'keys-env'?: string | undefined;
  readonly 'keys-file'?: string | undefined;
  readonly transport?: string | undefined;
  readonly 'redis-url'?: string | undefined;
  readonly 'redis-prefix'?: string | undefined;
  readonly 'database-url'?: string | undefined;
  readonly 'postgres-prefix'?: string | undefined;
  readonly node?: string | undefined;
}

/** The environment the CLI reads. */
export type Env = Readonly<Record<string, string | undefined>>;

/** Transports the CLI can use, in the order `auto` tries them. */
export const CLI_TRANSPORTS: readonly CliTransport[] = ['redis', 'postgres'];

/** A transport that carries messages between processes and that the CLI can connect (no NATS yet). */
export type CliTransport = Exclude<TransportName, 'local' | 'nats'>;

function usage(message: string, hint: string): CodegenError {
  return new CodegenError(CodegenErrorCode.Usage, message, { hint });
}

/** Where the keys come from, for messages: `HERALD_KEYS`, `--keys-file keys.env`. */
export function keySourceLabel(flags: ConnectFlags): string {
  if (flags['keys-file'] !== undefined) return `--keys-file ${flags['keys-file']}`;
  return flags['keys-env'] ?? 'HERALD_KEYS';
}

/**
 * The key text of a keys file: its first line that is not blank or a `#` comment, with a leading
 * `HERALD_KEYS=` and surrounding quotes removed, so the output of `herald keys generate`
 * redirected to a file is a keys file.
 */
export function keyLine(text: string): string {
  const line = text
    .split(/\r?\n/)
    .map((l) => l.trim())
    .find((l) => l.length > 0 && !l.startsWith('#'));
  if (line === undefined) return '';
  const value = line.replace(/^(export\s+)?[A-Za-z_][A-Za-z0-9_]*=/, '');
  const quoted = /^'(.*)'$/.exec(value) ?? /^"(.*)"$/.exec(value);
  return quoted ? quoted[1]! : value;
}

/**
 * The key configuration: `--keys-file <path>`, else the variable `--keys-env` names
 * (default `HERALD_KEYS`), parsed by Herald's own `parseKeyConfig`. Undefined when unset.
 */
export async function readKeys(flags: ConnectFlags, env: Env): Promise<KeyConfig | undefined> {
  const file = flags['keys-file'];
  if (file !== undefined) {
    const text = await readFile(file, 'utf8').catch((cause: unknown) => {
      throw new CodegenError(CodegenErrorCode.LoadFailed, `cannot read the keys file ${file}`, {
        hint: 'pass a file holding the HERALD_KEYS line herald keys generate printed',
        cause,
      });
    });
    return parseKeyConfig(keyLine(text), `the keys file ${file}`);
  }
  const name = flags['keys-env'] ?? 'HERALD_KEYS';
  const value = env[name];
  if (value === undefined || value.trim() === '') return undefined;
  return parseKeyConfig(value, `the environment variable ${name}`);
}

/** Like {@link readKeys}, but a missing configuration is an error that says how to make one. */
export async function requireKeys(flags: ConnectFlags, env: Env): Promise<KeyConfig> {
  const keys = await readKeys(flags, env);
  if (keys === undefined) {
    const name = flags['keys-env'] ?? 'HERALD_KEYS';
    throw new CodegenError(CodegenErrorCode.Usage, `no keys: ${name} is not set`, {
      hint: `export the app's ${name}, or pass --keys-file <file>; make one with herald keys generate`,
    });
  }
  return keys;
}

/**
 * The transports to try: `--transport`, else `HERALD_TRANSPORT`, else `auto` (Redis, then
 * PostgreSQL). `local` is refused: a CLI process on it sees no other process.
 */
export function transportList(flags: ConnectFlags, env: Env): readonly CliTransport[] {
  const raw = flags.transport ?? (env.HERALD_TRANSPORT?.trim() || 'auto');
  const from = flags.transport !== undefined ? '--transport' : 'HERALD_TRANSPORT';
  if (raw === 'auto') return CLI_TRANSPORTS;
  if (raw === 'redis' || raw === 'postgres') return [raw];
  if (raw === 'local') {
    throw usage(
      `${from} local cannot reach the app: the in-process transport carries messages inside one process only`,
      'use --transport redis or postgres, the transport your app runs on',
    );
  }
  throw usage(`${from} "${raw}" is not a transport`, 'use redis, postgres or auto');
}

/** Transport options from the flags; URLs default to `REDIS_URL` / `DATABASE_URL`. */
export function chainOptions(flags: ConnectFlags, env: Env): ChainOptions {
  const redisUrl = flags['redis-url'] ?? (env.REDIS_URL || undefined);
  const databaseUrl = flags['database-url'] ?? (env.DATABASE_URL || undefined);
  return {
    // The CLI resolved HERALD_TRANSPORT itself; the flag must win over it.
    env: {},
    redis: {
      ...(redisUrl === undefined ? {} : { url: redisUrl }),
      ...(flags['redis-prefix'] === undefined ? {} : { prefix: flags['redis-prefix'] }),
    },
    postgres: {
      ...(databaseUrl === undefined ? {} : { connectionString: databaseUrl }),
      ...(flags['postgres-prefix'] === undefined ? {} : { prefix: flags['postgres-prefix'] }),
    },
  };
}

/** The registry named by `--registry` (required). */
export async function requireRegistry(flags: ConnectFlags, command: string): Promise<Registry> {
  if (flags.registry === undefined) {
    throw usage(
      `${command} needs --registry <module>`,
      'pass the module that exports defineTopics(...), as for herald codegen',
    );
  }
  return (await loadRegistry(flags.registry, { exportName: flags.export })).registry;
}

/** A started bus on the app's registry, keys and transport; the caller stops it. */
export async function openBus(
  flags: ConnectFlags,
  env: Env,
  command: string,
  extra: { readonly drafts?: boolean } = {},
): Promise<{ readonly bus: Bus; readonly registry: Registry }> {
  const registry = await requireRegistry(flags, command);
  const keys = await requireKeys(flags, env);
  const transports = transportList(flags, env);
  const bus = createBus({
    registry,
    keys,
    transport: transports.length === 1 ? transports[0]! : transports,
    transportOptions: chainOptions(flags, env),
    nodeId: flags.node ?? `herald-${command}-${process.pid}`,
    // The CLI prints what it sees itself; it exports no telemetry, and it is not a member of
    // the app's presence lists.
    instrumentation: false,
    presence: false,
    drafts: extra.drafts === true,
  });
  try {
    await bus.start();
  } catch (error) {
    await bus.stop().catch(() => undefined);
    throw error;
  }
  return { bus, registry };
}
