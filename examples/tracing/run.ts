/**
 * The tracing example, end to end: three processes, one trace.
 *
 *   npx tsx examples/tracing/run.ts
 *
 * `billing` and `shipping` (consumer.ts) subscribe to `order:1001` over Redis; then `checkout`
 * (publisher.ts) publishes one `placed` event from inside a request span. Every process exports
 * its spans with `herald/otel` (OTLP/HTTP). Unless OTEL_EXPORTER_OTLP_ENDPOINT is set (then the
 * spans go to your collector, Jaeger or Tempo), a small receiver in this process takes them and
 * prints the trace:
 *
 *   trace 5b8e...
 *     POST /checkout [INTERNAL] service=checkout
 *       publish order:{orderId} [PRODUCER] service=checkout
 *         process order:{orderId} [CONSUMER] service=billing
 *         process order:{orderId} [CONSUMER] service=shipping
 *
 * Needs Redis on REDIS_URL (default redis://127.0.0.1:6379).
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import { type OtlpReceiver, startReceiver } from './receiver.js';

const here = (file: string): string => fileURLToPath(new URL(file, import.meta.url));

/** Starts one example process; resolves with it once a stdout line matches `ready`. */
function start(
  script: string,
  env: NodeJS.ProcessEnv,
  ready: RegExp,
  output: (line: string) => void,
): Promise<{ child: ChildProcess; match: RegExpMatchArray; exited: Promise<number> }> {
  const child = spawn(process.execPath, ['--import', 'tsx', here(script)], {
    env,
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const exited = new Promise<number>((resolve) => child.on('exit', (code) => resolve(code ?? 1)));
  return new Promise((resolve, reject) => {
    let buffered = '';
    child.stdout?.on('data', (chunk: Buffer) => {
      buffered += chunk.toString('utf8');
      let newline = buffered.indexOf('\n');
      while (newline >= 0) {
        const line = buffered.slice(0, newline);
        buffered = buffered.slice(newline + 1);
        output(line);
        const match = ready.exec(line);
        if (match) resolve({ child, match, exited });
        newline = buffered.indexOf('\n');
      }
    });
    void exited.then((code) =>
      reject(new Error(`${script} exited with ${code} before "${ready.source}"`)),
    );
  });
}

/** Runs the three processes; resolves with the trace id once they all exited cleanly. */
export async function runExample(options: {
  readonly endpoint: string;
  readonly redisUrl?: string;
  readonly output?: (line: string) => void;
}): Promise<string> {
  const output = options.output ?? ((line) => console.log(line));
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    HERALD_SECRET: randomBytes(32).toString('base64url'),
    HERALD_PREFIX: `herald-tracing-${randomBytes(4).toString('hex')}:`,
    OTEL_EXPORTER_OTLP_ENDPOINT: options.endpoint,
    ...(options.redisUrl === undefined ? {} : { REDIS_URL: options.redisUrl }),
  };
  const consumers = await Promise.all(
    ['billing', 'shipping'].map((name) =>
      start('./consumer.ts', { ...env, SERVICE_NAME: name }, /^ready$/, (l) =>
        output(`[${name}] ${l}`),
      ),
    ),
  );
  const publisher = await start(
    './publisher.ts',
    { ...env, SERVICE_NAME: 'checkout' },
    /^trace=([0-9a-f]{32})$/,
    (l) => output(`[checkout] ${l}`),
  );
  const codes = await Promise.all([publisher.exited, ...consumers.map((c) => c.exited)]);
  if (codes.some((code) => code !== 0))
    throw new Error(`a process failed: exit codes ${codes.join(', ')}`);
  return publisher.match[1]!;
}

async function main(): Promise<void> {
  const external = process.env.OTEL_EXPORTER_OTLP_ENDPOINT;
  let receiver: OtlpReceiver | undefined;
  if (external === undefined) receiver = await startReceiver();
  try {
    const traceId = await runExample({ endpoint: external ?? receiver!.url });
    if (receiver === undefined) {
      console.log(`\nLook up trace ${traceId} in your APM (exported to ${external}).`);
      return;
    }
    await receiver.waitFor((spans) => spans.filter((s) => s.traceId === traceId).length >= 4);
    console.log(`\n${receiver.tree(traceId)}`);
  } finally {
    await receiver?.close();
  }
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  main().catch((error: unknown) => {
    console.error(error);
    process.exitCode = 1;
  });
}
