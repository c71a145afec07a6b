/**
 * Emits `browser.ts` and `browser-validators.ts` (`herald codegen --browser`): the typed page
 * client over `herald/browser`, and the precompiled payload checks it can validate with. Both
 * are ESM with no Node import at run time: `browser.ts` imports its types from `client.ts` with
 * `import type` (erased), and the checks import `checkFormat` from `herald/browser`.
 *
 * Per topic: `topic(params)` and `subscribe(params, handler)`; per event: `subscribe` and
 * `publish`; per wildcard topic: `subscribeAll`; per presence topic: `presence`. Raw topics are
 * receive-only (the gateway takes no page publish on them).
 */
import type { Registry } from '../../src/index.js';
import { nameTopics, type TopicNames } from './client-names.js';
import { banner, doc, namedList, quote, renderModule, typeRef } from './source.js';
import { emitValidators, type HeraldImports } from './validators.js';

/** Where generated browser code imports the browser runtime, and the checks their format checks. */
export function browserImport(spec: string): { readonly runtime: string; readonly checks: string } {
  if (spec.startsWith('.') || spec.startsWith('/')) {
    const base = spec.replace(/\/+$/, '');
    return { runtime: `${base}/browser/index.js`, checks: `${base}/browser/checks.js` };
  }
  return { runtime: `${spec}/browser`, checks: `${spec}/browser/checks` };
}

function memberType(names: TopicNames): string {
  const { entry, base, events } = names;
  const message = entry.def.raw ? 'PageMessage' : `${base}PageMessage`;
  let type = typeRef('', 'PageTopicClient', [`${base}Params`, message, `${base}Topic`], '');
  if (!entry.def.raw && events.length > 0) {
    const lines = events.map((ev) =>
      typeRef(
        `    readonly ${ev.name}: `,
        'PageEventClient',
        [`${base}Params`, ev.type, quote(ev.name)],
        ';',
      ),
    );
    type = [`${type} & {`, ...lines, '  }'].join('\n');
  }
  if (entry.def.wildcard === true) type += ` &\n    PageTemplateClient<${message}>`;
  if (entry.def.presence !== undefined) type += ` &\n    PagePresenceClient<${base}Params>`;
  return type;
}

function member(names: TopicNames): string {
  const { entry, base, events } = names;
  const at = `TEMPLATES.${entry.key}`;
  const message = entry.def.raw ? 'PageMessage' : `${base}PageMessage`;
  const lines = [
    `    ${entry.key}: {`,
    `      ...pageTopic<${base}Params, ${message}, ${base}Topic>(gateway, ${at}),`,
  ];
  if (!entry.def.raw) {
    for (const ev of events) {
      lines.push(
        `      ${ev.name}: pageEvent<${base}Params, ${ev.type}, ${quote(ev.name)}>(gateway, ${at}, ${quote(ev.name)}),`,
      );
    }
  }
  if (entry.def.wildcard === true) lines.push(`      ...pageTemplate<${message}>(gateway, ${at}),`);
  if (entry.def.presence !== undefined)
    lines.push(`      ...pagePresence<${base}Params>(gateway, ${at}),`);
  lines.push('    },');
  return lines.join('\n');
}

/** The runtime names and types of herald/browser the module uses: only those are imported. */
function browserImports(topics: readonly TopicNames[]): string[] {
  const has = {
    pageEvent: topics.some((t) => !t.entry.def.raw && t.events.length > 0),
    pageTemplate: topics.some((t) => t.entry.def.wildcard === true),
    pagePresence: topics.some((t) => t.entry.def.presence !== undefined),
  };
  const runtime = [
    'pageTopic',
    'topicKeys',
    ...Object.keys(has).filter((k) => has[k as keyof typeof has]),
  ];
  const types: Record<string, boolean> = {
    GatewayClient: true,
    PageEventClient: has.pageEvent,
    PageMessage: topics.some((t) => t.entry.def.raw),
    PageMessageOf: topics.some((t) => !t.entry.def.raw),
    PagePresenceClient: has.pagePresence,
    PageTemplateClient: has.pageTemplate,
    PageTopicClient: true,
  };
  const typeNames = Object.keys(types)
    .filter((t) => types[t])
    .map((t) => `type ${t}`);
  return [...runtime, ...typeNames].sort(sortName);
}

/** The names of client.ts the module imports (types only). */
function clientImports(topics: readonly TopicNames[]): string[] {
  const names = new Set<string>(['Defs']);
  for (const { entry, base, events } of topics) {
    names.add(`${base}Params`).add(`${base}Topic`);
    if (!entry.def.raw) for (const ev of events) names.add(ev.type);
  }
  return [...names].sort();
}

/** Emits the typed browser client module. */
export function emitBrowserClient(registry: Registry, browser: string, source: string): string {
  const topics = nameTopics(registry);
  return renderModule({
    header: [
      banner(source),
      doc([
        `Typed browser client for ${registry.info.title} ${registry.info.version}, over herald/browser.`,
        '',
        'ESM with no Node import at run time. Validation in the page is optional: pass the',
        "`validators` of `browser-validators.ts` and this module's `topicKey` to createGatewayClient.",
        '@example',
        "const gateway = createGatewayClient({ url: '/herald', validators, topicKey });",
        'const client = createBrowserClient(gateway);',
      ]),
    ],
    imports: [
      namedList('import', browserImports(topics), browser),
      namedList('import type', clientImports(topics), './client.js'),
      '',
      `export { createGatewayClient } from ${quote(browser)};`,
    ],
    body: [
      [
        doc(['The template of each topic, by registry key.']),
        'export const TEMPLATES = {',
        ...topics.map(({ entry }) => `  ${entry.key}: ${quote(entry.def.template)},`),
        '} as const;',
      ].join('\n'),
      `${doc(['The registry key of a concrete topic (or template): pass it to createGatewayClient for validation.'])}\nexport const topicKey: (topic: string) => string | undefined = topicKeys(TEMPLATES);`,
      ...topics
        .filter((t) => !t.entry.def.raw)
        .map(({ entry, base }) =>
          [
            doc([`A page message of \`${entry.def.template}\`, discriminated by \`event\`.`]),
            `export type ${base}PageMessage = PageMessageOf<Defs[${quote(entry.key)}]>;`,
          ].join('\n'),
        ),
      [
        doc(['The typed page client: one entry per topic of the registry.']),
        'export interface BrowserClient {',
        ...topics.flatMap((t) => [
          doc([`\`${t.entry.def.template}\``], '  '),
          `  readonly ${t.entry.key}: ${memberType(t)};`,
        ]),
        '}',
      ].join('\n'),
      [
        doc(['Wraps a gateway client (herald/browser) in the typed page client.']),
        'export function createBrowserClient(gateway: GatewayClient): BrowserClient {',
        '  return {',
        ...topics.map(member),
        '  };',
        '}',
      ].join('\n'),
    ],
  });
}

function sortName(a: string, b: string): number {
  const x = a.replace(/^type /, '');
  const y = b.replace(/^type /, '');
  return x < y ? -1 : x > y ? 1 : 0;
}

/** Emits the precompiled checks with their format check from the browser runtime. */
export function emitBrowserValidators(
  registry: Registry,
  herald: HeraldImports,
  checks: string,
  source: string,
): string {
  return emitValidators(registry, { main: herald.main, internal: checks }, source);
}
