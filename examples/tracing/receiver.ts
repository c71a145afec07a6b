/**
 * A tiny OTLP/HTTP receiver on 127.0.0.1 (a random port): it accepts the JSON that
 * `@opentelemetry/exporter-trace-otlp-http` and `exporter-metrics-otlp-http` send
 * (`POST /v1/traces`, `POST /v1/metrics`, `Content-Type: application/json`, optionally gzip),
 * keeps the spans and metric names, and prints a trace as a tree. Enough to see a trace without
 * a collector; not a collector.
 */
import { createServer, type IncomingMessage } from 'node:http';
import type { AddressInfo } from 'node:net';
import { gunzipSync } from 'node:zlib';

/** OTLP span kinds (opentelemetry-proto `Span.SpanKind`). */
const KINDS = ['UNSPECIFIED', 'INTERNAL', 'SERVER', 'CLIENT', 'PRODUCER', 'CONSUMER'] as const;

/** One span as received. */
export interface ReceivedSpan {
  readonly service: string;
  readonly name: string;
  readonly kind: (typeof KINDS)[number];
  readonly traceId: string;
  readonly spanId: string;
  /** Empty for a root span. */
  readonly parentSpanId: string;
  readonly attributes: Readonly<Record<string, unknown>>;
  readonly links: readonly { readonly traceId: string; readonly spanId: string }[];
}

/** One export request as received. */
export interface ReceivedRequest {
  readonly path: string;
  readonly contentType: string;
}

/** A running receiver. */
export interface OtlpReceiver {
  /** Base URL for `otlpEndpoint` / `OTEL_EXPORTER_OTLP_ENDPOINT`. */
  readonly url: string;
  readonly spans: readonly ReceivedSpan[];
  /** Names of the metrics received, by service. */
  readonly metrics: ReadonlyMap<string, ReadonlySet<string>>;
  readonly requests: readonly ReceivedRequest[];
  /** Resolves with the spans once `check` says they are all there; rejects after `ms`. */
  waitFor(check: (spans: readonly ReceivedSpan[]) => boolean, ms?: number): Promise<ReceivedSpan[]>;
  /** The spans of one trace as an indented tree, parents first. */
  tree(traceId: string): string;
  close(): Promise<void>;
}

interface AnyValue {
  stringValue?: string;
  intValue?: number | string;
  doubleValue?: number;
  boolValue?: boolean;
}
interface KeyValue {
  key: string;
  value?: AnyValue;
}

const anyValue = (v: AnyValue | undefined): unknown =>
  v?.stringValue ??
  (v?.intValue !== undefined ? Number(v.intValue) : undefined) ??
  v?.doubleValue ??
  v?.boolValue;

const attributesOf = (list: KeyValue[] | undefined): Record<string, unknown> =>
  Object.fromEntries((list ?? []).map((kv) => [kv.key, anyValue(kv.value)]));

async function body(request: IncomingMessage): Promise<unknown> {
  const chunks: Buffer[] = [];
  for await (const chunk of request) chunks.push(chunk as Buffer);
  let bytes = Buffer.concat(chunks);
  if (request.headers['content-encoding'] === 'gzip') bytes = gunzipSync(bytes);
  return JSON.parse(bytes.toString('utf8'));
}

/** Starts a receiver on 127.0.0.1 and a random port. */
export async function startReceiver(): Promise<OtlpReceiver> {
  const spans: ReceivedSpan[] = [];
  const metrics = new Map<string, Set<string>>();
  const requests: ReceivedRequest[] = [];
  const server = createServer((request, response) => {
    const path = request.url ?? '';
    const contentType = request.headers['content-type'] ?? '';
    requests.push({ path, contentType });
    if (request.method !== 'POST' || !contentType.startsWith('application/json')) {
      response.writeHead(415).end();
      return;
    }
    body(request).then(
      (json) => {
        const data = json as {
          resourceSpans?: {
            resource?: { attributes?: KeyValue[] };
            scopeSpans?: {
              spans?: {
                name: string;
                kind: number;
                traceId: string;
                spanId: string;
                parentSpanId?: string;
                attributes?: KeyValue[];
                links?: { traceId: string; spanId: string }[];
              }[];
            }[];
          }[];
          resourceMetrics?: {
            resource?: { attributes?: KeyValue[] };
            scopeMetrics?: { metrics?: { name: string }[] }[];
          }[];
        };
        for (const rs of data.resourceSpans ?? []) {
          const service = String(attributesOf(rs.resource?.attributes)['service.name']);
          for (const ss of rs.scopeSpans ?? []) {
            for (const s of ss.spans ?? []) {
              spans.push({
                service,
                name: s.name,
                kind: KINDS[s.kind] ?? 'UNSPECIFIED',
                traceId: s.traceId,
                spanId: s.spanId,
                parentSpanId: s.parentSpanId ?? '',
                attributes: attributesOf(s.attributes),
                links: (s.links ?? []).map((l) => ({ traceId: l.traceId, spanId: l.spanId })),
              });
            }
          }
        }
        for (const rm of data.resourceMetrics ?? []) {
          const service = String(attributesOf(rm.resource?.attributes)['service.name']);
          const names = metrics.get(service) ?? new Set<string>();
          metrics.set(service, names);
          for (const sm of rm.scopeMetrics ?? [])
            for (const m of sm.metrics ?? []) names.add(m.name);
        }
        response.writeHead(200, { 'content-type': 'application/json' }).end('{}');
      },
      () => response.writeHead(400).end(),
    );
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;

  return {
    url: `http://127.0.0.1:${port}`,
    spans,
    metrics,
    requests,
    async waitFor(check, ms = 15_000) {
      const deadline = Date.now() + ms;
      while (!check(spans)) {
        if (Date.now() > deadline) {
          throw new Error(
            `OTLP receiver: condition not met within ${ms} ms; received ${spans.length} span(s): ${spans
              .map((s) => `${s.service}/${s.name}`)
              .join(', ')}`,
          );
        }
        await new Promise((r) => setTimeout(r, 20));
      }
      return [...spans];
    },
    tree(traceId) {
      const own = spans.filter((s) => s.traceId === traceId);
      const ids = new Set(own.map((s) => s.spanId));
      const lines: string[] = [`trace ${traceId}`];
      const walk = (parent: string, depth: number): void => {
        for (const s of own.filter((x) => (x.parentSpanId || '') === parent)) {
          lines.push(
            `${'  '.repeat(depth)}${s.name} [${s.kind}] service=${s.service} span=${s.spanId}`,
          );
          walk(s.spanId, depth + 1);
        }
      };
      // Roots: no parent, or a parent this receiver never saw.
      for (const root of own.filter((s) => !s.parentSpanId || !ids.has(s.parentSpanId))) {
        lines.push(`  ${root.name} [${root.kind}] service=${root.service} span=${root.spanId}`);
        walk(root.spanId, 2);
      }
      return lines.join('\n');
    },
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
