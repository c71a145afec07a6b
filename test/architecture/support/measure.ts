/**
 * Measures the source tree the way the architecture rules read it (docs/architecture.md): lines
 * per file, lines per function, and the imports between folders — type-only imports included —
 * with the TypeScript compiler API. Generated files (a `generated/` folder) are not measured.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative, resolve, sep } from 'node:path';
import ts from 'typescript';

/** The largest file, and the longest function, the rules allow (in lines). */
export const MAX_FILE_LINES = 300;
export const MAX_FUNCTION_LINES = 80;

/** One function too long: where it starts, its name as a reader finds it, its length. */
export interface LongFunction {
  readonly file: string;
  readonly line: number;
  readonly name: string;
  readonly lines: number;
}

/** Every `.ts` file under `dir` (relative to `root`), generated folders and `.d.ts` excepted. */
export function sourceFiles(root: string, dir: string): string[] {
  const out: string[] = [];
  for (const entry of readdirSync(join(root, dir), { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) {
      if (entry.name !== 'generated' && entry.name !== 'node_modules') {
        out.push(...sourceFiles(root, path));
      }
    } else if (entry.name.endsWith('.ts') && !entry.name.endsWith('.d.ts')) {
      out.push(path.split(sep).join('/'));
    }
  }
  return out.sort();
}

/** The number of lines of a text, not counting a final newline. */
export function lineCount(text: string): number {
  return text.replace(/\n$/, '').split('\n').length;
}

function parse(root: string, file: string): ts.SourceFile {
  const text = readFileSync(join(root, file), 'utf8');
  return ts.createSourceFile(file, text, ts.ScriptTarget.Latest, true, ts.ScriptKind.TS);
}

function functionName(node: ts.Node, source: ts.SourceFile): string {
  const named = node as { name?: ts.Node };
  if (named.name !== undefined) return named.name.getText(source);
  const parent = node.parent;
  if (ts.isVariableDeclaration(parent) || ts.isPropertyAssignment(parent)) {
    return parent.name.getText(source);
  }
  if (ts.isCallExpression(parent)) return `(callback of ${parent.expression.getText(source)})`;
  return '(anonymous)';
}

/** The functions (declarations, methods, arrows, expressions) over `max` lines in one file. */
export function longFunctions(
  root: string,
  file: string,
  max = MAX_FUNCTION_LINES,
): LongFunction[] {
  const source = parse(root, file);
  const found: LongFunction[] = [];
  const visit = (node: ts.Node): void => {
    if (ts.isFunctionLike(node) && (node as { body?: ts.Node }).body !== undefined) {
      const start = source.getLineAndCharacterOfPosition(node.getStart(source)).line;
      const end = source.getLineAndCharacterOfPosition(node.getEnd()).line;
      const lines = end - start + 1;
      if (lines > max) {
        found.push({ file, line: start + 1, name: functionName(node, source), lines });
      }
    }
    ts.forEachChild(node, visit);
  };
  visit(source);
  return found;
}

/** The relative imports and re-exports of one file, type-only ones included, as resolved paths. */
export function importsOf(root: string, file: string): string[] {
  const source = parse(root, file);
  const out: string[] = [];
  const add = (specifier: ts.Expression | undefined): void => {
    if (specifier === undefined || !ts.isStringLiteral(specifier)) return;
    if (!specifier.text.startsWith('.')) return;
    const target = resolve(dirname(join(root, file)), specifier.text).replace(/\.js$/, '.ts');
    out.push(relative(root, target).split(sep).join('/'));
  };
  const visit = (node: ts.Node): void => {
    if (ts.isImportDeclaration(node) || ts.isExportDeclaration(node)) add(node.moduleSpecifier);
    else if (ts.isImportTypeNode(node) && ts.isLiteralTypeNode(node.argument)) {
      add(node.argument.literal as ts.Expression);
    } else if (ts.isCallExpression(node) && node.expression.kind === ts.SyntaxKind.ImportKeyword) {
      add(node.arguments[0]);
    }
    ts.forEachChild(node, visit);
  };
  visit(source);
  return out;
}

/**
 * What `src/bus` may import: the steps of the road and the shared rules. Everything else —
 * presence, the catalog, otel, the gateway, any new feature folder — is a client of the bus.
 */
export const BUS_MAY_IMPORT: readonly string[] = [
  'src/adapters',
  'src/registry-store',
  'src/schemas',
  'src/security',
  'src/telemetry',
  'src/errors.ts',
  'src/peers.ts',
  'src/postgres-client.ts',
  'src/rules.ts',
];

/** The folder a file of src/ belongs to (`src/bus`), or the file itself at the top of src/. */
export function folderOf(file: string): string {
  const parts = file.split('/');
  return parts.length > 2 ? `${parts[0]}/${parts[1]}` : file;
}

/** Imports between the folders of src/, each edge with the files that make it. */
export function folderGraph(root: string): Map<string, Map<string, string[]>> {
  const graph = new Map<string, Map<string, string[]>>();
  for (const file of sourceFiles(root, 'src')) {
    for (const target of importsOf(root, file)) {
      if (!target.startsWith('src/')) continue;
      const from = folderOf(file);
      const to = folderOf(target);
      if (from === to) continue;
      const edges = graph.get(from) ?? new Map<string, string[]>();
      graph.set(from, edges);
      edges.set(to, [...(edges.get(to) ?? []), `${file} -> ${target}`]);
    }
  }
  return graph;
}

/** Every cycle between folders, each once, as the folders it goes through and its imports. */
export function folderCycles(graph: Map<string, Map<string, string[]>>): string[] {
  const found = new Map<string, string>();
  const walk = (start: string, at: string, path: string[]): void => {
    for (const [next, files] of graph.get(at) ?? []) {
      const step = [...path, `${at} -> ${next} (${files[0]})`];
      if (next === start) {
        const folders = step.map((s) => s.split(' -> ')[0]!);
        const key = [...folders].sort().join(' ');
        if (!found.has(key)) found.set(key, step.join('; '));
      } else if (next > start && !path.some((s) => s.startsWith(`${next} -> `))) {
        walk(start, next, step);
      }
    }
  };
  for (const start of [...graph.keys()].sort()) walk(start, start, []);
  return [...found.values()];
}

/** Every rule of the layout the tree breaks, one line each; empty when it keeps them all. */
export function layoutProblems(root: string): string[] {
  const problems: string[] = [];
  for (const dir of ['src', 'codegen']) {
    for (const file of sourceFiles(root, dir)) {
      const lines = lineCount(readFileSync(join(root, file), 'utf8'));
      if (lines > MAX_FILE_LINES) {
        problems.push(`${file}: ${lines} lines (at most ${MAX_FILE_LINES})`);
      }
      for (const fn of longFunctions(root, file)) {
        problems.push(
          `${fn.file}:${fn.line}: function ${fn.name} is ${fn.lines} lines (at most ${MAX_FUNCTION_LINES})`,
        );
      }
    }
  }
  const graph = folderGraph(root);
  for (const cycle of folderCycles(graph)) problems.push(`import cycle between folders: ${cycle}`);
  for (const [to, files] of graph.get('src/bus') ?? []) {
    if (!BUS_MAY_IMPORT.includes(to)) {
      problems.push(`src/bus imports ${to}, a client of the bus (${files[0]})`);
    }
  }
  return problems;
}
