/**
 * `herald schemas`: the compatibility gate and the shared schema store from the command line.
 *
 *   herald schemas check --registry <module> --lock <herald.lock.json>
 *   herald schemas register --registry <module> [--store <url>]
 *   herald schemas list [--store <url>]
 *   herald schemas show <subject> [--version <n>] [--json] [--store <url>]
 *   herald schemas diff <subject> <from> <to> [--store <url>]
 *
 * The store URL comes from `--store` or `HERALD_SCHEMA_STORE`; `--prefix` (Redis) and `--table`
 * (PostgreSQL) name where in it, or `HERALD_SCHEMA_PREFIX` / `HERALD_SCHEMA_TABLE`.
 */
import { relative } from 'node:path';
import { parseArgs } from 'node:util';
import { parseSubject, registerSchemas, type StoredSchema } from '../src/registry-store/index.js';
import { formatChanges } from '../src/schemas/compat/diff.js';
import { canRead, diffSchemas, type OpenContent } from '../src/schemas/compat/index.js';
import { CodegenError, CodegenErrorCode } from './errors.js';
import { checkAgainstLock } from './gate.js';
import { formatReport } from './gate-report.js';
import { loadRegistry } from './load.js';
import { readLock } from './lock-read.js';
import { openStore, type StoreConnection } from './store.js';

const usage = (message: string, hint = 'run herald schemas --help'): CodegenError =>
  new CodegenError(CodegenErrorCode.Usage, message, { hint });

/** Help of `herald schemas`. */
export const SCHEMAS_HELP = `  herald schemas check --registry <module> --lock <file> [--export <name>]
      Compare a registry with a committed herald.lock.json; exit 1 and print a
      readable diff when a change breaks its compatibility mode without a new version.
      --open-content strict   read open objects as plain JSON Schema (default: declared)

  herald schemas register --registry <module> [--export <name>] [--store <url>]
      Register the registry's event versions in the schema store; refused (exit 1)
      when a version is incompatible with the stored history.

  herald schemas list [--store <url>]
  herald schemas show <subject> [--version <n>] [--json] [--store <url>]
  herald schemas diff <subject> <from> <to> [--store <url>]
      Read the schema store. <subject> is "<topic template>/<event>".
      --store <url>   redis://... or postgres://... (default: $HERALD_SCHEMA_STORE)
      --prefix <p>    Redis key prefix (default herald:schemas:, or $HERALD_SCHEMA_PREFIX)
      --table <t>     PostgreSQL table (default herald_schemas, or $HERALD_SCHEMA_TABLE)`;

const OPTIONS = {
  registry: { type: 'string' },
  lock: { type: 'string' },
  export: { type: 'string' },
  store: { type: 'string' },
  prefix: { type: 'string' },
  table: { type: 'string' },
  version: { type: 'string' },
  json: { type: 'boolean' },
  'open-content': { type: 'string' },
  help: { type: 'boolean' },
} as const;

type Values = ReturnType<
  typeof parseArgs<{ options: typeof OPTIONS; allowPositionals: true }>
>['values'];

function openContent(values: Values): OpenContent | undefined {
  const value = values['open-content'];
  if (value === undefined) return undefined;
  if (value !== 'strict' && value !== 'declared') {
    throw usage(`--open-content must be "declared" or "strict", not "${value}"`);
  }
  return value;
}

async function withStore<T>(values: Values, run: (c: StoreConnection) => Promise<T>): Promise<T> {
  const url = values.store ?? process.env.HERALD_SCHEMA_STORE;
  if (!url) throw usage('no schema store: pass --store <url> or set HERALD_SCHEMA_STORE');
  const connection = await openStore(url, {
    prefix: values.prefix ?? process.env.HERALD_SCHEMA_PREFIX,
    table: values.table ?? process.env.HERALD_SCHEMA_TABLE,
  });
  try {
    return await run(connection);
  } finally {
    await connection.close();
  }
}

/** The gate, shared with `herald codegen`: 0 when compatible, 1 on a breaking change. */
export async function runGate(
  registryPath: string,
  lockPath: string,
  options: { exportName?: string | undefined; openContent?: OpenContent | undefined },
): Promise<number> {
  const lock = await readLock(lockPath);
  if (lock === undefined) {
    throw new CodegenError(CodegenErrorCode.LoadFailed, `lock file ${lockPath} not found`, {
      hint: 'generate it with herald codegen and commit it; the gate compares against it',
    });
  }
  const { registry } = await loadRegistry(registryPath, { exportName: options.exportName });
  const report = checkAgainstLock(
    lock,
    registry,
    options.openContent ? { openContent: options.openContent } : {},
  );
  const text = formatReport(report, relative(process.cwd(), lockPath) || lockPath);
  if (report.ok) console.log(text);
  else console.error(text);
  return report.ok ? 0 : 1;
}

function describeRecord(r: StoredSchema): string {
  const when = new Date(r.registeredAt).toISOString();
  return `${r.subject} v${r.version}  ${r.fingerprint}  ${r.compatibility}${r.upcast ? `  upcast from v${r.version - 1}` : ''}  registered ${when} by ${r.registeredBy}`;
}

async function list(values: Values): Promise<number> {
  return withStore(values, async ({ store, label }) => {
    const subjects = await store.subjects();
    if (subjects.length === 0) {
      console.log(`no subjects in ${label}`);
      return 0;
    }
    const rows: string[][] = [['SUBJECT', 'VERSIONS', 'MODE']];
    for (const subject of subjects) {
      const versions = await store.versions(subject);
      rows.push([
        subject,
        versions.map((v) => v.version).join(', '),
        versions.at(-1)?.compatibility ?? '-',
      ]);
    }
    const widths = rows[0]!.map((_, i) => Math.max(...rows.map((r) => r[i]!.length)));
    for (const row of rows)
      console.log(
        row
          .map((cell, i) => cell.padEnd(widths[i]!))
          .join('  ')
          .trimEnd(),
      );
    return 0;
  });
}

function subjectArg(positionals: string[], index: number): string {
  const subject = positionals[index];
  if (subject === undefined || parseSubject(subject) === undefined) {
    throw usage(
      `expected a subject "<topic template>/<event>", got ${subject === undefined ? 'nothing' : `"${subject}"`}`,
    );
  }
  return subject;
}

function versionArg(text: string | undefined, what: string): number {
  const n = Number(text);
  if (text === undefined || !Number.isInteger(n) || n < 1)
    throw usage(`${what} must be a positive integer`);
  return n;
}

async function show(values: Values, positionals: string[]): Promise<number> {
  const subject = subjectArg(positionals, 0);
  return withStore(values, async ({ store, label }) => {
    let records = await store.versions(subject);
    if (values.version !== undefined) {
      const v = versionArg(values.version, '--version');
      records = records.filter((r) => r.version === v);
    }
    if (records.length === 0) {
      console.error(
        `herald schemas: ${subject}${values.version ? ` version ${values.version}` : ''} is not in ${label}`,
      );
      return 1;
    }
    if (values.json) {
      console.log(JSON.stringify(values.version === undefined ? records : records[0], null, 2));
      return 0;
    }
    for (const r of records) {
      console.log(describeRecord(r));
      console.log(JSON.stringify(r.schema, null, 2));
    }
    return 0;
  });
}

async function diff(values: Values, positionals: string[]): Promise<number> {
  const subject = subjectArg(positionals, 0);
  const from = versionArg(positionals[1], '<from>');
  const to = versionArg(positionals[2], '<to>');
  const options = openContent(values) ? { openContent: openContent(values)! } : {};
  return withStore(values, async ({ store, label }) => {
    const [a, b] = await Promise.all([store.get(subject, from), store.get(subject, to)]);
    for (const [record, v] of [
      [a, from],
      [b, to],
    ] as const) {
      if (record === undefined) {
        console.error(`herald schemas: ${subject} version ${v} is not in ${label}`);
        return 1;
      }
    }
    const changes = formatChanges(diffSchemas(a!.schema, b!.schema));
    console.log(`${subject}: version ${from} → ${to}`);
    for (const line of changes.length > 0 ? changes : ['(no change to validation keywords)'])
      console.log(`  ${line}`);
    for (const [reader, writer, name] of [
      [b!, a!, 'backward'],
      [a!, b!, 'forward'],
    ] as const) {
      const issues = canRead(reader.schema, writer.schema, options);
      console.log(
        `v${reader.version} reads v${writer.version} (${name}): ${issues.length === 0 ? 'yes' : 'no'}`,
      );
      for (const i of issues) console.log(`  ${i.path || '/'}: ${i.message}`);
    }
    if (b!.upcast && b!.version === a!.version + 1) {
      console.log(
        `v${b!.version} was registered with an upcaster from v${a!.version}: its consumers upgrade v${a!.version} payloads`,
      );
    }
    return 0;
  });
}

async function register(values: Values): Promise<number> {
  if (!values.registry) throw usage('register needs --registry <module>');
  const { registry } = await loadRegistry(values.registry, { exportName: values.export });
  const mode = openContent(values);
  return withStore(values, async ({ store, label }) => {
    const results = await registerSchemas(store, registry, {
      by: 'herald-cli',
      ...(mode ? { openContent: mode } : {}),
    });
    for (const r of results) {
      const parts = [
        ...(r.registered.length > 0 ? [`registered ${r.registered.join(', ')}`] : []),
        ...(r.existing.length > 0 ? [`already stored ${r.existing.join(', ')}`] : []),
      ];
      console.log(`${r.subject}: ${parts.join('; ')}`);
    }
    console.log(`herald schemas: ${results.length} subjects in ${label}`);
    return 0;
  });
}

/** Runs `herald schemas <command> ...`. */
export async function schemas(args: string[]): Promise<number> {
  const [command, ...rest] = args;
  const parsed = (() => {
    try {
      return parseArgs({ args: rest, options: OPTIONS, allowPositionals: true, strict: true });
    } catch (error) {
      throw usage(error instanceof Error ? error.message : String(error));
    }
  })();
  const { values, positionals } = parsed;
  if (command === undefined || command === '--help' || values.help) {
    console.log(`Usage:\n${SCHEMAS_HELP}`);
    return command === undefined ? 2 : 0;
  }
  switch (command) {
    case 'check': {
      if (!values.registry) throw usage('check needs --registry <module>');
      if (!values.lock) throw usage('check needs --lock <herald.lock.json>');
      return runGate(values.registry, values.lock, {
        exportName: values.export,
        openContent: openContent(values),
      });
    }
    case 'register':
      return register(values);
    case 'list':
      return list(values);
    case 'show':
      return show(values, positionals);
    case 'diff':
      return diff(values, positionals);
    default:
      throw usage(
        `unknown schemas command "${command}"`,
        'commands: check, register, list, show, diff',
      );
  }
}
