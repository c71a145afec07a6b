/**
 * Two Node processes on Redis, one running the order service at version 1 and one at version 2,
 * sharing a schema store in Redis hashes. They publish to each other; each must receive only
 * payloads valid for its own version — upgraded by upcasters (v1 → v2 consumer) or read as-is
 * where the rules allow (v2 → v1 consumer) — and refuse and count the versions it cannot read.
 * The parent only reads their stdout.
 */
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import { uniquePrefix, waitFor } from '../adapters/redis.helpers.js';
import { type ChildNode, spawnTsx } from '../support/child.js';
import { requireRedis } from '../support/services.js';

const redis = await requireRedis();
const child = fileURLToPath(new URL('./two-process.child.ts', import.meta.url));

type Node = ChildNode;

const start = (args: readonly string[]): Node => spawnTsx(child, args, args[1]);

interface Received {
  readonly event: string;
  readonly writer: number;
  readonly version: number;
  readonly valid: boolean;
  readonly payload: Record<string, unknown>;
}

function outcomes(node: Node) {
  const received: Received[] = node.lines
    .filter((l) => l.startsWith('recv '))
    .map((l) => {
      const [, event = '', writer, version, valid, ...json] = l.split(' ');
      return {
        event,
        writer: Number(writer),
        version: Number(version),
        valid: valid === 'true',
        payload: JSON.parse(json.join(' ')) as Record<string, unknown>,
      };
    });
  const rejected = node.lines
    .filter((l) => l.startsWith('rejected '))
    .map((l) => {
      const [, reason, event, ...detail] = l.split(' ');
      return { reason, event, detail: detail.join(' ') };
    });
  const stats = node.lines.find((l) => l.startsWith('stats '));
  return {
    received,
    rejected,
    stats: stats ? (JSON.parse(stats.slice(6)) as { rejected: Record<string, number> }) : undefined,
  };
}

describe.skipIf(!redis.ok)(
  'version 1 and version 2 of a service, in two processes on Redis',
  () => {
    const running: Node[] = [];
    afterEach(() => {
      for (const n of running.splice(0)) if (n.proc.exitCode === null) n.proc.kill('SIGKILL');
    });

    it('each receives only what is valid for its own version, and counts what it refuses', async () => {
      const prefix = uniquePrefix();
      const count = 10;
      const v1 = start(['1', 'orders-v1', 'orders-v2', redis.url, prefix, String(count)]);
      const v2 = start(['2', 'orders-v2', 'orders-v1', redis.url, prefix, String(count)]);
      running.push(v1, v2);
      for (const n of [v1, v2]) await waitFor(() => n.lines.includes('ready'), 'ready', 20_000);
      for (const n of [v1, v2]) n.proc.stdin.write('go\n');
      const settled = (n: Node) => () => {
        const o = outcomes(n);
        return o.received.length + o.rejected.length === 3 * count;
      };
      await waitFor(settled(v1), 'v1 outcomes', 20_000);
      await waitFor(settled(v2), 'v2 outcomes', 20_000);
      for (const n of [v1, v2]) n.proc.stdin.write('stop\n');
      expect(await v1.exited()).toBe(0);
      expect(await v2.exited()).toBe(0);

      // The version 2 consumer: version 1 upgraded by its upcasters; `refunded@1` refused whole.
      const atV2 = outcomes(v2);
      const byEvent = (o: ReturnType<typeof outcomes>, event: string) =>
        o.received.filter((r) => r.event === event);
      expect(atV2.received.every((r) => r.valid && r.writer === 1 && r.version === 2)).toBe(true);
      expect(byEvent(atV2, 'status_updated').map((r) => r.payload)).toEqual(
        Array.from({ length: count }, (_, i) => ({
          orderId: `o${i + 1}`,
          status: 'placed',
          note: `n${i + 1}`,
          carrier: 'unknown',
        })),
      );
      expect(byEvent(atV2, 'packed').map((r) => r.payload.weightKg)).toEqual(Array(count).fill(0));
      expect(atV2.rejected).toHaveLength(count);
      expect(new Set(atV2.rejected.map((r) => `${r.reason} ${r.event}`))).toEqual(
        new Set(['unsupported_version refunded']),
      );
      expect(atV2.rejected[0]?.detail).toBe(
        'order.refunded@1 (from the redis schema store) cannot be read as version 2: /currency reader requires "currency"; writer does not send it',
      );
      expect(atV2.stats?.rejected.unsupported_version).toBe(count);

      // The version 1 consumer: version 2 read as version 1 where its schema allows; `packed@2`
      // (a field its closed object refuses) refused whole.
      const atV1 = outcomes(v1);
      expect(atV1.received.every((r) => r.valid && r.writer === 2 && r.version === 1)).toBe(true);
      expect(byEvent(atV1, 'status_updated').map((r) => r.payload.orderId)).toEqual(
        Array.from({ length: count }, (_, i) => `o${i + 1}`),
      );
      expect(byEvent(atV1, 'refunded')).toHaveLength(count);
      expect(byEvent(atV1, 'packed')).toEqual([]);
      expect(atV1.rejected).toHaveLength(count);
      expect(new Set(atV1.rejected.map((r) => `${r.reason} ${r.event}`))).toEqual(
        new Set(['unsupported_version packed']),
      );
      expect(atV1.rejected[0]?.detail).toContain(
        'order.packed@2 (from the redis schema store) cannot be read as version 1',
      );
      expect(atV1.stats?.rejected.unsupported_version).toBe(count);
    }, 90_000);
  },
);
