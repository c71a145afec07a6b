#!/usr/bin/env node
/**
 * The `herald` command: code generation, schema registry tools, keys, and three tools to watch
 * the bus (`tail`, `publish`, `doctor`). docs/cli.md specifies every command.
 *
 * Exit codes: 0 success; 1 failure (stale output under --check, a registry that cannot be loaded,
 * a refused payload, a doctor check that fails, a server that does not answer); 2 usage error.
 * Errors are one line, with a hint. `tail` and `codegen --watch` run until SIGINT / SIGTERM and
 * then exit 0.
 */
import { parseCommand, usage } from './args.js';
import { codegen } from './cli-codegen.js';
import { doctor } from './doctor.js';
import { CodegenError } from './errors.js';
import { generateEd25519Key, generateKey, hs256Line, jwkLine } from './keys.js';
import { publish } from './publish.js';
import { SCHEMAS_HELP, schemas } from './schemas-cli.js';
import { tail } from './tail.js';

const CONNECT_HELP = `      --registry <module>  the app's registry module (as for codegen); --export <name>
      keys:      HERALD_KEYS (as herald keys generate prints it), or
                 --keys-env <NAME> (another variable), --keys-file <file>
      transport: --transport redis|postgres|auto (default: HERALD_TRANSPORT, else
                 auto = Redis, then PostgreSQL); --redis-url <url> (default REDIS_URL),
                 --redis-prefix <p>; --database-url <url> (default DATABASE_URL),
                 --postgres-prefix <p>; --node <id> (default herald-<command>-<pid>)`;

const HELP = `herald: typed, signed event bus tools

Usage:
  herald codegen --registry <module> --out <dir> [options]
      Generate a typed client, precompiled validators, an AsyncAPI document,
      JSON Schemas and a lock file from a registry module.
      --registry <module>  the .ts or .js file that exports defineTopics(...)
      --out <dir>          the output directory (created if missing)
      --check              write nothing; exit 1 and list files that differ
      --watch              generate again on every change of the registry's
                           sources, until Ctrl-C
      --export <name>      the export holding the registry (default: the only one)
      --herald <spec>      the import path generated code uses for Herald
                           (default "herald", the package); inside a project
                           that vendors Herald's source, a directory path
                           relative to --out holding index.js and internal.js
      --allow-breaking     write even when the compatibility gate finds a change
                           that breaks a mode against the existing lock file
      --browser            also emit the typed page client of herald/gateway:
                           browser.ts and browser-validators.ts
      Both modes run the compatibility gate against <dir>/herald.lock.json;
      draft event versions (event(schema, { draft: true })) are not frozen.

${SCHEMAS_HELP}

  herald keys generate [--kid <id>] [--alg HS256|EdDSA] [--json]
      Print a new key as a ready HERALD_KEYS=... line: an HS256 key of 32
      random bytes (kid=base64url:<key>). With --alg EdDSA: two lines, for
      signing nodes (private JWK) and verify-only nodes (public JWK).
      --json prints the KeySpec (HS256) or the two JWKs (EdDSA) instead.

  herald tail <topic>... [--json] [connection options]
      Print every verified message on the topics (time, topic, event, node,
      kid, trace id, payload) and every refused one with its reason, live,
      until Ctrl-C. Topics are concrete (room:lobby); templates are refused.

  herald publish <topic> <event> <json|@file|-> [--quiet] [connection options]
      Validate, sign and publish one message; print the receipt as JSON.
      A refused payload exits 1, naming each invalid field.

  herald doctor [--registry <module> --out <dir>] [--json] [connection options]
      Check Node, keys, each transport (reachable, round trip, server
      version, clock skew) and, with --registry and --out, lock-file drift,
      and the OTLP endpoint (OTEL_EXPORTER_OTLP_ENDPOINT). Exit 1 on any fail.

  Connection options (tail, publish, doctor):
${CONNECT_HELP}

  herald --help
      Show this help.

Docs: docs/cli.md`;

async function keys(args: string[]): Promise<number> {
  const [command, ...rest] = args;
  if (command === '--help' || command === undefined) {
    console.log(HELP);
    return command === undefined ? 2 : 0;
  }
  if (command !== 'generate') throw usage(`unknown keys command "${command}"`);
  const { values } = parseCommand({
    args: rest,
    options: { kid: { type: 'string' }, alg: { type: 'string' }, json: { type: 'boolean' } },
  });
  if (values.alg === 'EdDSA') {
    const pair = generateEd25519Key(values.kid);
    if (values.json) {
      console.log(JSON.stringify(pair.private));
      console.log(JSON.stringify(pair.public));
      return 0;
    }
    console.log('# signing nodes (private key: keep it secret)');
    console.log(jwkLine(pair.private));
    console.log('# verify-only nodes (public key)');
    console.log(jwkLine(pair.public));
    return 0;
  }
  if (values.alg !== undefined && values.alg !== 'HS256') {
    throw usage(`unknown algorithm "${values.alg}"`, 'use --alg HS256 (default) or --alg EdDSA');
  }
  const spec = generateKey(values.kid);
  console.log(values.json ? JSON.stringify(spec) : hs256Line(spec));
  return 0;
}

/** Resolves at the first SIGINT or SIGTERM. */
function interrupted(): Promise<void> {
  return new Promise((resolve) => {
    const stop = (): void => {
      process.off('SIGINT', stop);
      process.off('SIGTERM', stop);
      resolve();
    };
    process.on('SIGINT', stop);
    process.on('SIGTERM', stop);
  });
}

function readStdin(): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    process.stdin.on('data', (chunk: Buffer) => chunks.push(chunk));
    process.stdin.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    process.stdin.on('error', reject);
  });
}

const out = (line: string): void => {
  process.stdout.write(`${line}\n`);
};
const err = (line: string): void => {
  process.stderr.write(`${line}\n`);
};

async function main(argv: string[]): Promise<number> {
  const [command, ...args] = argv;
  if (args.includes('--help') || args.includes('-h')) {
    console.log(HELP);
    return 0;
  }
  switch (command) {
    case 'codegen':
      return codegen(args, interrupted());
    case 'keys':
      return keys(args);
    case 'schemas':
      return schemas(args);
    case 'tail':
      return tail(args, process.env, { out, err, stopped: interrupted() });
    case 'publish':
      return publish(args, process.env, { out, err, stdin: readStdin });
    case 'doctor':
      return doctor(args, process.env, { out, err });
    case '--help':
    case '-h':
    case 'help':
      console.log(HELP);
      return 0;
    case undefined:
      console.error(HELP);
      return 2;
    default:
      throw usage(
        `unknown command "${command}"`,
        'commands are codegen, schemas, keys, tail, publish and doctor; run herald --help',
      );
  }
}

try {
  process.exitCode = await main(process.argv.slice(2));
} catch (error) {
  if (error instanceof CodegenError) {
    console.error(`herald: ${error.message}${error.hint ? ` (hint: ${error.hint})` : ''}`);
    process.exitCode = error.exitCode;
  } else {
    // Herald errors append "\n  hint: ..." to the message and carry the hint: one line again.
    const text = error instanceof Error ? (error.message.split('\n')[0] ?? '') : String(error);
    const hint = (error as { hint?: unknown } | null)?.hint;
    console.error(`herald: ${text}${typeof hint === 'string' ? ` (hint: ${hint})` : ''}`);
    process.exitCode = 1;
  }
}
