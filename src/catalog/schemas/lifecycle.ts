/**
 * Process lifecycle, on `lifecycle:{node}`: worker and child processes a node supervises
 * starting and exiting. The node itself is covered by `system:{node}`.
 */
import { type Static, Type } from '@sinclair/typebox';
import { Count, NodeId, Text, Timestamp } from './common.js';

/** A supervised process name, e.g. `worker-3` or `ffmpeg`. */
export const ProcessName = Text(64, 'Supervised process name');
/** A supervised process name. */
export type ProcessName = Static<typeof ProcessName>;

/** An operating-system process id. */
export const Pid = Type.Integer({ minimum: 1, description: 'Operating-system process id' });
/** An operating-system process id. */
export type Pid = Static<typeof Pid>;

/** A supervised process started. */
export const ProcessStarted = Type.Object(
  {
    node: NodeId,
    timestamp: Timestamp,
    process: ProcessName,
    pid: Pid,
    restarts: Count,
    command: Type.Optional(Text(512, 'Executable or entry module, without arguments')),
  },
  { additionalProperties: false },
);
/** A supervised process started. */
export type ProcessStarted = Static<typeof ProcessStarted>;

/** Why a process exited. */
export const ExitReason = Type.Union([
  Type.Literal('normal'),
  Type.Literal('crash'),
  Type.Literal('killed'),
  Type.Literal('oom'),
  Type.Literal('timeout'),
]);
/** Why a process exited. */
export type ExitReason = Static<typeof ExitReason>;

/**
 * A supervised process exited. Like Node's `'exit'` event, exactly one of `exitCode` and
 * `signal` is non-null.
 */
export const ProcessExited = Type.Object(
  {
    node: NodeId,
    timestamp: Timestamp,
    process: ProcessName,
    pid: Pid,
    exitCode: Type.Union([Type.Integer({ minimum: 0, maximum: 255 }), Type.Null()]),
    signal: Type.Union([Type.String({ pattern: '^SIG[A-Z0-9]{1,12}$' }), Type.Null()]),
    reason: ExitReason,
    uptimeSeconds: Type.Number({ minimum: 0 }),
    willRestart: Type.Boolean(),
  },
  { additionalProperties: false },
);
/** A supervised process exited. */
export type ProcessExited = Static<typeof ProcessExited>;
