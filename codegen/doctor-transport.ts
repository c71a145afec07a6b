/**
 * The transport lines of `herald doctor`: reachable, round trip and server version, then this
 * machine's clock against the server's (doctor-probes.ts measures both).
 */
import { DEFAULT_MAX_FUTURE_MS, DEFAULT_MAX_PAST_MS } from '../src/index.js';
import { type CheckLine, line, message, ms } from './doctor-line.js';
import { type Probe, probePostgres, probeRedis, type TransportTarget } from './doctor-probes.js';

/** Skew beyond this is a warning: it eats into the future window. */
export const SKEW_WARN_MS = 1000;

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
