/**
 * Alerts, on `alerts:{severity}`: one topic per RFC 5424 severity, so a pager subscribes to
 * `alerts:critical`, `alerts:alert` and `alerts:emergency` only, while a dashboard subscribes to
 * all eight. The payload repeats the severity so that a stored alert is self-describing;
 * publishers put the same value in both.
 */
import { type Static, Type } from '@sinclair/typebox';
import {
  ComponentName,
  Context,
  DottedName,
  DurationMs,
  NodeId,
  Severity,
  Text,
  Timestamp,
} from './common.js';

/**
 * A stable alert id, the same in `raised` and `resolved`: 1-200 visible ASCII characters, often a
 * fingerprint such as `disk_full:db-2:/var/lib/postgresql`.
 */
export const AlertId = Type.String({
  minLength: 1,
  maxLength: 200,
  pattern: '^[!-~]+$',
  description: 'Stable id shared by raised and resolved (visible ASCII, no spaces)',
});
/** A stable alert id. */
export type AlertId = Static<typeof AlertId>;

/** An alert fired: something needs attention. */
export const AlertRaised = Type.Object(
  {
    alertId: AlertId,
    type: DottedName,
    severity: Severity,
    message: Text(1024, 'What is wrong, for humans'),
    node: NodeId,
    component: Type.Optional(ComponentName),
    timestamp: Timestamp,
    context: Type.Optional(Context),
  },
  { additionalProperties: false },
);
/** An alert fired. */
export type AlertRaised = Static<typeof AlertRaised>;

/** An alert cleared, by itself or by a person. */
export const AlertResolved = Type.Object(
  {
    alertId: AlertId,
    type: DottedName,
    severity: Severity,
    node: NodeId,
    timestamp: Timestamp,
    activeMs: DurationMs,
    resolvedBy: Type.Optional(Text(128, 'Who resolved it; absent when it cleared by itself')),
    message: Type.Optional(Text(1024)),
  },
  { additionalProperties: false },
);
/** An alert cleared. */
export type AlertResolved = Static<typeof AlertResolved>;
