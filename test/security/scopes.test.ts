/**
 * Publisher scopes: the pattern syntax, the sending side (a publish outside the key's scopes
 * throws FORBIDDEN_TOPIC naming topic and key, before anything is delivered or sent) and the
 * verifying side (a correctly signed message outside its key's scopes is `forbidden_topic`).
 */
import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import {
  ConfigError,
  ErrorCode,
  HeraldError,
  type KeyConfig,
  type Message,
} from '../../src/index.js';
import { createScope } from '../../src/internal.js';
import { expectRejected, forgedPayload, settleIo, signCompact, startPair } from './harness.js';

const secretFor = (name: string): string =>
  `base64url:${createHash('sha256').update(`scope test ${name}`).digest('base64url')}`;
const METRICS = { kid: 'metrics-svc', secret: secretFor('metrics'), scopes: ['metrics:*'] };
const AUDIT = { kid: 'audit-svc', secret: secretFor('audit'), scopes: ['audit:**'] };
/** What every receiver holds: both keys, with the same scopes as the publishers. */
const RECEIVER: KeyConfig = { keys: [METRICS, AUDIT] };

describe('scope patterns', () => {
  it.each([
    ['metrics:*', 'metrics:cpu', true],
    ['metrics:*', 'metrics', false],
    ['metrics:*', 'metrics:cpu:0', false],
    ['health:**', 'health', true],
    ['health:**', 'health:cluster', true],
    ['health:**', 'health:node:n1', true],
    ['health:**', 'healthy', false],
    ['audit:**', 'audit', true],
    ['audit:**', 'auditor', false],
    ['audit', 'audit', true],
    ['audit', 'audit:x', false],
    ['room:*:typing', 'room:42:typing', true],
    ['room:*:typing', 'room:42:message', false],
    ['*', 'audit', true],
    ['*', 'room:1', false],
    ['**', 'any:topic:at:all', true],
    ['metrics:cpu', 'metrics:CPU', false],
  ] as const)('"%s" on "%s" → %s', (pattern, topic, allowed) => {
    expect(createScope('k', [pattern]).allows(topic)).toBe(allowed);
  });

  it('allows a topic when any pattern matches', () => {
    const scope = createScope('k', ['metrics:*', 'health:**']);
    expect(['metrics:cpu', 'health', 'health:node:1'].map((t) => scope.allows(t))).toEqual([
      true,
      true,
      true,
    ]);
    expect(scope.allows('audit')).toBe(false);
  });

  it('allows every topic when a key has no scopes', () => {
    expect(createScope('k', undefined).allows('audit:anything')).toBe(true);
  });

  it.each([
    [[], /scopes is empty/],
    [['metr*'], /has "\*" inside the segment "metr\*"/],
    [['**:audit'], /has "\*\*" before its last segment/],
    [['audit::x'], /has an empty segment at position 2/],
    [[''], /is not a pattern/],
    [['a\u0000b'], /control character/],
  ] as const)('refuses %j with a ConfigError naming the key', (patterns, why) => {
    expect(() => createScope('svc', patterns)).toThrow(ConfigError);
    expect(() => createScope('svc', patterns)).toThrow(why);
    expect(() => createScope('svc', patterns)).toThrow(/key "svc"/);
  });
});

describe('a key scoped to metrics, on the publishing side', () => {
  it('publishes metrics, and throws FORBIDDEN_TOPIC naming topic and key for an audit event', async () => {
    const pair = await startPair({
      senderKeys: { keys: [METRICS] },
      receiverKeys: RECEIVER,
      topics: ['metrics:cpu', 'audit'],
    });
    const own: Message[] = [];
    await pair.sender.subscribe('audit', (m) => void own.push(m));
    try {
      await pair.sender.broadcast('metrics:cpu', 'sample', { value: 0.5 });
      await settleIo();
      expect(pair.handled.map((m) => m.topic)).toEqual(['metrics:cpu']);

      const error = await pair.sender
        .broadcast('audit', 'recorded', { action: 'delete user' })
        .catch((e: unknown) => e);
      expect(error).toBeInstanceOf(HeraldError);
      expect(error).toMatchObject({
        code: ErrorCode.ForbiddenTopic,
        topic: 'audit',
        kid: 'metrics-svc',
      });
      expect((error as Error).message).toContain(
        'key "metrics-svc" may not sign for topic "audit"',
      );
      await settleIo();
      // Refused before local delivery and before the transport.
      expect(own).toEqual([]);
      expect(pair.handled.map((m) => m.topic)).toEqual(['metrics:cpu']);
      expect(pair.sender.stats()).toMatchObject({ published: 1, sent: 1 });
      // Local delivery is never signed, so scopes do not apply to it.
      await pair.sender.localBroadcast('audit', 'recorded', { action: 'local note' });
      await settleIo();
      expect(own).toHaveLength(1);
    } finally {
      await pair.stop();
    }
  });

  it('needs every signing key to cover the topic during a rotation', async () => {
    const wide = { kid: 'wide', secret: secretFor('wide') };
    const pair = await startPair({
      senderKeys: { keys: [wide, METRICS], sign: ['wide', 'metrics-svc'] },
      receiverKeys: { keys: [wide, METRICS] },
      topics: ['audit'],
    });
    try {
      await expect(
        pair.sender.broadcast('audit', 'recorded', { action: 'x' }),
      ).rejects.toMatchObject({
        code: ErrorCode.ForbiddenTopic,
        kid: 'metrics-svc',
      });
    } finally {
      await pair.stop();
    }
  });
});

describe('a key scoped to metrics, on the verifying side', () => {
  it('rejects a forged message signed with the valid metrics key onto the audit topic as forbidden_topic', async () => {
    const pair = await startPair({ receiverKeys: RECEIVER, topics: ['metrics:cpu', 'audit'] });
    try {
      const forged = signCompact(
        forgedPayload({ topic: 'audit', event: 'recorded', dataJson: '{"action":"grant admin"}' }),
        { kid: METRICS.kid, secret: Buffer.from(METRICS.secret.slice(10), 'base64url') },
      );
      await expectRejected(pair, 'audit', forged, 'forbidden_topic');
      expect(pair.rejections.at(-1)).toMatchObject({ kid: 'metrics-svc', node: 'forger' });
      // The same key on a metrics topic is accepted: the refusal above is the scope, not the key.
      pair.transport.inject(
        'metrics:cpu',
        signCompact(
          forgedPayload({ topic: 'metrics:cpu', event: 'sample', dataJson: '{"value":1}' }),
          {
            kid: METRICS.kid,
            secret: Buffer.from(METRICS.secret.slice(10), 'base64url'),
          },
        ),
      );
      await settleIo();
      expect(pair.handled.map((m) => `${m.topic}/${m.meta.kid}`)).toEqual([
        'metrics:cpu/metrics-svc',
      ]);
    } finally {
      await pair.stop();
    }
  });

  it('accepts a two-signature message through the entry whose key covers the topic', async () => {
    const wide = { kid: 'wide', secret: secretFor('wide') };
    // The sender's own copy of METRICS is unscoped (a misconfigured publisher), the receiver's is not.
    const pair = await startPair({
      senderKeys: { keys: [{ ...METRICS, scopes: ['**'] }, wide], sign: ['metrics-svc', 'wide'] },
      receiverKeys: { keys: [METRICS, wide] },
      topics: ['audit'],
    });
    try {
      await pair.sender.broadcast('audit', 'recorded', { action: 'rotate' });
      await settleIo();
      expect(pair.handled.map((m) => m.meta.kid)).toEqual(['wide']);
    } finally {
      await pair.stop();
    }
    const narrow = await startPair({
      senderKeys: { keys: [{ ...METRICS, scopes: ['**'] }, wide], sign: ['metrics-svc', 'wide'] },
      receiverKeys: { keys: [METRICS] },
      topics: ['audit'],
    });
    try {
      await narrow.sender.broadcast('audit', 'recorded', { action: 'rotate' });
      await settleIo();
      expect(narrow.handled).toEqual([]);
      expect(narrow.receiver.stats().rejected.forbidden_topic).toBe(1);
    } finally {
      await narrow.stop();
    }
  });
});
