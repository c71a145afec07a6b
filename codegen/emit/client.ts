/**
 * Emits `client.ts`: the typed client.
 *
 * Per topic: `topic(params)`, `subscribe(params, handler)` and `stream(params)` over all its
 * events; per event: `publish`, `publishFrom`, `publishDirect`, `publishLocal`, `subscribe` and
 * `stream`. Raw topics get `publishRaw`. Parameters are typed arguments and the topic string is
 * built by the registry, so a wrong payload, a missing or mistyped parameter, or an unknown event
 * fails to compile. Also exports a type alias per payload (`RoomMessage`) and per topic.
 *
 * The fixed part (the `EventClient`, `TopicClient` and `RawTopicClient` shapes and the builders
 * that make them) is library code in `src/client/runtime.ts`: the client imports the types from
 * `herald`, re-exports them, and imports the builders from `herald/internal`.
 */
import type { Registry } from '../../src/index.js';
import {
  CLIENT_TYPES,
  HERALD_BUILDERS,
  HERALD_TYPES,
  nameTopics,
  type TopicNames,
} from './client-names.js';
import { banner, doc, genericCall, namedList, quote, renderModule, typeRef } from './source.js';
import type { HeraldImports } from './validators.js';

/** Options of {@link emitClient}. */
export interface ClientOptions {
  readonly herald: HeraldImports;
  /** The registry module, relative to the output directory (`../registry.js`). */
  readonly registryImport: string;
  /** The export that holds the registry. */
  readonly registryExport: string;
  /** Shown in the banner. */
  readonly source: string;
}

function topicTypes(names: TopicNames): string {
  const { entry, base, events } = names;
  const key = quote(entry.key);
  const template = `\`${entry.def.template}\``;
  const lines = [
    doc([`Parameters of ${template}.`]),
    typeRef(`export type ${base}Params = `, 'ParamsOf', [`Defs[${key}]`], ';'),
    doc([`A concrete ${template} topic.`]),
    typeRef(`export type ${base}Topic = `, 'TopicPattern', [`Defs[${key}]['template']`], ';'),
  ];
  for (const ev of events) {
    const def = entry.events.get(ev.name)!.def;
    lines.push(
      doc([
        `Payload of \`${entry.key}.${ev.name}\` (version ${def.version})${def.description ? `: ${def.description}` : '.'}`,
        ...(def.deprecated ? ['@deprecated'] : []),
      ]),
      typeRef(`export type ${ev.type} = `, 'PayloadOf', [`Defs[${key}]`, quote(ev.name)], ';'),
    );
  }
  lines.push(
    doc([`Any message on ${template}${entry.def.raw ? '' : ', discriminated by `event`'}.`]),
    entry.def.raw
      ? `export type ${base}Event = Message;`
      : typeRef(`export type ${base}Event = `, 'MessageOf', [`Defs[${key}]`], ';'),
  );
  return lines.join('\n');
}

function topicInterface(names: TopicNames): string {
  const { entry, base, events } = names;
  const about = `\`${entry.def.template}\`${entry.def.description ? `: ${entry.def.description}` : ''}`;
  if (entry.def.raw) {
    return [
      doc([about, 'A raw topic: any event name, any JSON payload, signed but not validated.']),
      typeRef(
        `export type ${base}Client = `,
        'RawTopicClient',
        [`${base}Params`, `${base}Topic`],
        ';',
      ),
    ].join('\n');
  }
  const members = events.map((ev) => {
    const def = entry.events.get(ev.name)!.def;
    return [
      doc(
        [
          `\`${ev.name}\` (version ${def.version})${def.description ? `: ${def.description}` : ''}`,
          ...(def.deprecated ? ['@deprecated'] : []),
        ],
        '  ',
      ),
      typeRef(
        `  readonly ${ev.name}: `,
        'EventClient',
        [`${base}Params`, ev.type, quote(ev.name)],
        ';',
      ),
    ].join('\n');
  });
  const header = interfaceHeader(`${base}Client`, 'TopicClient', [
    `${base}Params`,
    `${base}Event`,
    `${base}Topic`,
  ]);
  return [
    doc([about]),
    // A wildcard topic also subscribes by template (docs/templates.md).
    wildcard(entry) ? withTemplate(header, base) : header,
    ...members,
    '}',
  ].join('\n');
}

/** Whether a topic may be subscribed by its template: declared `wildcard`, with a parameter. */
const wildcard = (entry: TopicNames['entry']): boolean =>
  entry.def.wildcard === true && entry.parsed.params.length > 0;

/** `extends TopicClient<...>` plus `TemplateClient<Event>`, each base on its own line. */
function withTemplate(header: string, base: string): string {
  const open = header.replace(/ \{$/, '');
  const split = open.includes('\n') ? open : open.replace(' extends ', '\n  extends ');
  return `${split},\n    TemplateClient<${base}Event> {`;
}

function clientInterface(topics: readonly TopicNames[]): string {
  return [
    doc(['The typed client: one entry per topic of the registry.']),
    'export interface Client {',
    ...topics.flatMap(({ entry, base }) => [
      doc([`\`${entry.def.template}\``], '  '),
      `  readonly ${entry.key}: ${base}Client;`,
    ]),
    '}',
  ].join('\n');
}

/** `export interface Name extends Base {`, with `extends` on its own line when too long. */
function interfaceHeader(name: string, base: string, args: readonly string[]): string {
  const line = typeRef(`export interface ${name} extends `, base, args, ' {');
  if (!line.includes('\n')) return line;
  return `export interface ${name}\n${typeRef('  extends ', base, args, ' {')}`;
}

function factory(topics: readonly TopicNames[]): string {
  const members = topics.map(({ entry, base, events }) => {
    const at = `at(${quote(entry.key)})`;
    if (entry.def.raw) {
      return genericCall(
        `    ${entry.key}: `,
        'rawTopicClient',
        [`${base}Params`, `${base}Topic`],
        ['bus', at],
      );
    }
    return [
      `    ${entry.key}: {`,
      genericCall(
        '      ...',
        'topicClient',
        [`${base}Params`, `${base}Event`, `${base}Topic`],
        ['bus', at],
      ),
      ...(wildcard(entry)
        ? [
            genericCall(
              '      ...',
              'templateClient',
              [`${base}Event`],
              ['bus', quote(entry.def.template)],
            ),
          ]
        : []),
      ...events.map((ev) =>
        genericCall(
          `      ${ev.name}: `,
          'eventClient',
          [`${base}Params`, ev.type, quote(ev.name)],
          ['bus', at, quote(ev.name)],
        ),
      ),
      '    },',
    ].join('\n');
  });
  return [
    doc([
      'Creates the typed client on a bus built from this registry.',
      '@example',
      'const bus = createBus({ registry, keys, validators });',
      'const client = createClient(bus);',
    ]),
    'export function createClient(bus: Bus<Defs>): Client {',
    '  const at =',
    '    <K extends keyof Defs & string>(key: K) =>',
    "    (params: ParamsOf<Defs[K]>): TopicPattern<Defs[K]['template']> =>",
    '      bus.registry.topic(key, params);',
    '  return {',
    ...members,
    '  };',
    '}',
  ].join('\n');
}

/** The Herald names the client's topics use: only those are imported, so none is unused. */
function heraldNames(topics: readonly TopicNames[]): { types: string[]; builders: string[] } {
  const used = new Set(['Bus', 'ParamsOf', 'TopicPattern']);
  for (const { entry, events } of topics) {
    const names = entry.def.raw
      ? ['Message', 'RawTopicClient', 'rawTopicClient']
      : ['MessageOf', 'TopicClient', 'topicClient'];
    if (events.length > 0) names.push('PayloadOf', 'EventClient', 'eventClient');
    if (!entry.def.raw && wildcard(entry)) names.push('TemplateClient', 'templateClient');
    for (const name of names) used.add(name);
  }
  return {
    types: HERALD_TYPES.filter((name) => used.has(name)),
    builders: HERALD_BUILDERS.filter((name) => used.has(name)),
  };
}

/** Emits the client module. */
export function emitClient(registry: Registry, options: ClientOptions): string {
  const topics = nameTopics(registry);
  const { types, builders } = heraldNames(topics);
  const registryName =
    options.registryExport === 'registry' ? 'registry' : `${options.registryExport} as registry`;
  return renderModule({
    header: [
      banner(options.source),
      doc([
        `Typed client for ${registry.info.title} ${registry.info.version}.`,
        '',
        'One publish and subscribe per topic and event. Topic parameters are typed arguments, so',
        'a topic string is never written by hand; payloads are checked at compile time here and',
        'at run time by the bus (with the precompiled `validators` when given to `createBus`).',
      ]),
    ],
    imports: [
      namedList('import type', types, options.herald.main),
      ...(builders.length > 0 ? [namedList('import', builders, options.herald.internal)] : []),
      `import type { ${registryName} } from ${quote(options.registryImport)};`,
      '',
      namedList('export type', CLIENT_TYPES, options.herald.main),
      `export { validators } from './validators.js';`,
    ],
    body: [
      `${doc(['The topic definitions of the registry.'])}\nexport type Defs = typeof registry.defs;`,
      ...topics.map(topicTypes),
      ...topics.map(topicInterface),
      clientInterface(topics),
      factory(topics),
    ],
  });
}
