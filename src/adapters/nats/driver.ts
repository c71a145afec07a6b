/**
 * nats.js (`@nats-io/transport-node`), an optional peer dependency: required on first use, so
 * that `herald` and `herald/nats` import without it and a NATS transport created without it
 * fails with an install hint.
 */
import type * as NatsNode from '@nats-io/transport-node';
import { loadPeer } from '../../peers.js';

/** The nats.js module; throws a ConfigError (`npm install @nats-io/transport-node`) when missing. */
export const natsjs = (): typeof NatsNode =>
  loadPeer<typeof NatsNode>('@nats-io/transport-node', 'the NATS transport');
