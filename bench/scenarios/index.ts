/**
 * Every scenario, in run order. A new scenario is one file in this folder and one line here.
 */
import type { Scenario } from '../harness.js';
import { gatewayFanout, gatewayIdle, gatewayLatency, gatewayLatencyFanout } from './gateway.js';
import { inprocFanout } from './inproc-fanout.js';
import { inprocOne } from './inproc-one.js';
import { natsLatency, postgresLatency, redisLatency } from './latency.js';
import { localHub } from './local-hub.js';
import { natsFanout, natsGroup, natsJetStream, natsOneToOne } from './nats.js';
import { redisPingPong } from './ping-pong.js';
import { postgresOneToOne } from './postgres.js';
import { redisFanout, redisOneToOne } from './redis.js';
import { securityCost, securityReplay } from './security.js';
import { stepCost } from './step-cost.js';
import { tracing } from './tracing.js';

/** The suite. */
export const SCENARIOS: readonly Scenario[] = [
  inprocOne,
  inprocFanout,
  localHub,
  stepCost,
  redisOneToOne,
  redisFanout,
  redisPingPong,
  postgresOneToOne,
  natsOneToOne,
  natsGroup,
  natsFanout,
  natsJetStream,
  redisLatency,
  postgresLatency,
  natsLatency,
  tracing,
  securityCost,
  securityReplay,
  gatewayFanout,
  gatewayLatency,
  gatewayLatencyFanout,
  gatewayIdle,
];
