/**
 * The lines `herald tail` prints, from a message with a trace context and from a rejection that
 * knows its topic and field (the spawned-process tests see messages without a trace).
 */

import { Type } from '@sinclair/typebox';
import { describe, expect, it } from 'vitest';
import {
  concreteTopic,
  messageJson,
  messageLine,
  rejectionJson,
  rejectionLine,
  traceId,
} from '../../codegen/tail.js';
import { defineTopics, event, type Message, topic } from '../../src/index.js';

const TRACE = '4bf92f3577b34da6a3ce929d0e0e4736';
const message: Message = {
  topic: 'order:ORD-7',
  event: 'placed',
  payload: { item: 'tea' },
  params: { orderId: 'ORD-7' },
  meta: {
    id: 'api-1:e:3',
    node: 'api-1',
    seq: 3,
    time: Date.UTC(2026, 11, 7, 3, 0, 0, 5),
    version: 2,
    params: { orderId: 'ORD-7' },
    local: false,
    kid: 'k2',
    traceparent: `00-${TRACE}-00f067aa0ba902b7-01`,
  },
};

describe('herald tail output', () => {
  it('prints the trace id of the traceparent, and nothing for a malformed one', () => {
    expect(traceId(message.meta.traceparent)).toBe(TRACE);
    expect(traceId('00-xyz-00f067aa0ba902b7-01')).toBeUndefined();
    expect(traceId(undefined)).toBeUndefined();
    expect(messageLine(message)).toBe(
      `2026-12-07T03:00:00.005Z  order:ORD-7  placed@2  node=api-1  kid=k2  trace=${TRACE}  {"item":"tea"}`,
    );
    expect(JSON.parse(messageJson(message))).toEqual({
      type: 'message',
      time: '2026-12-07T03:00:00.005Z',
      topic: 'order:ORD-7',
      event: 'placed',
      version: 2,
      id: 'api-1:e:3',
      node: 'api-1',
      seq: 3,
      kid: 'k2',
      traceId: TRACE,
      payload: { item: 'tea' },
    });
  });

  it('prints what a rejection knows, and no payload', () => {
    const rejection = {
      reason: 'invalid_payload',
      detail: 'payload of order.placed is invalid: /item Expected string',
      channel: 'order:ORD-7',
      topic: 'order:ORD-7',
      event: 'placed',
      node: 'api-9',
      kid: 'k2',
      field: '/item',
    } as const;
    const at = Date.UTC(2026, 11, 7, 3, 0, 1);
    expect(rejectionLine(rejection, at)).toBe(
      '2026-12-07T03:00:01.000Z  REJECTED invalid_payload  channel=order:ORD-7  topic=order:ORD-7  event=placed  node=api-9  kid=k2  field=/item  payload of order.placed is invalid: /item Expected string',
    );
    expect(JSON.parse(rejectionJson(rejection, at))).toMatchObject({
      type: 'rejected',
      reason: 'invalid_payload',
      field: '/item',
    });
  });

  it('accepts concrete topics and keys of topics without parameters, refuses templates', () => {
    const registry = defineTopics({
      order: topic('order:{orderId}', { events: { placed: event(Type.Object({})) } }),
      alerts: topic('alerts', { events: { raised: event(Type.Object({})) } }),
    });
    expect(concreteTopic(registry, 'order:ORD-7')).toBe('order:ORD-7');
    expect(concreteTopic(registry, 'alerts')).toBe('alerts');
    expect(() => concreteTopic(registry, 'order:{orderId}')).toThrow(/template subscriptions/);
    expect(() => concreteTopic(registry, 'order')).toThrow(
      /cannot tail the template "order:\{orderId\}"/,
    );
    expect(() => concreteTopic(registry, 'shipment:1')).toThrow(/"shipment:1" is not a topic/);
  });
});
