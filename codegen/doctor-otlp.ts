/**
 * The OTLP line of `herald doctor`: does the collector the environment names accept an export?
 */
import { connect } from 'node:net';
import { type CheckLine, line, message, ms, TIMEOUT_MS, timed } from './doctor-line.js';

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
