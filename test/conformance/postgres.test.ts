/**
 * The transport conformance suite on PostgreSQL (DATABASE_URL, else 127.0.0.1:5432/test).
 * Server-side channels are read with `pg_listening_channels()` ON each transport's own LISTEN
 * connection (the function only sees the calling session, so another connection could not
 * check it); the transport's private probe channel is left out. Large payloads are 1 MiB, so the
 * claim check is part of the suite (its table is private to the run and dropped afterwards).
 */
import pg from 'pg';
import { afterAll, describe, it } from 'vitest';
import {
  channelName,
  type PostgresTransport,
  postgresTransport,
} from '../../src/adapters/postgres/index.js';
import type { Transport } from '../../src/adapters/transport.js';
import { runTransportConformance } from '../../src/testing/conformance.js';
import { newRunId } from '../../src/testing/index.js';
import { requirePostgres } from '../support/services.js';

const service = await requirePostgres();
const run = newRunId();
const prefix = `hconf_${run}`;
const table = `herald_claims_c${run}`;

if (service.ok) {
  // Once with one envelope per message, once with micro-batching (batches fit one NOTIFY).
  for (const batching of [false, true]) {
    runTransportConformance({
      name: 'postgres',
      batching,
      createTransport: () =>
        postgresTransport({ connectionString: service.url, prefix, claimCheck: { table } }),
      serverChannels: async (transport: Transport) => {
        const listening = await (transport as PostgresTransport).listening();
        return listening.filter((name) => !name.includes('#probe#'));
      },
      channelName: (channel) => channelName(prefix, channel),
      largePayloadBytes: 1024 * 1024,
    });
  }
  afterAll(async () => {
    const client = new pg.Client({ connectionString: service.url });
    await client.connect();
    await client.query(`DROP TABLE IF EXISTS "${table}"`);
    await client.end();
  });
} else {
  describe('transport conformance: postgres', () => {
    it.skip(`needs PostgreSQL (${service.reason})`, () => undefined);
  });
}
