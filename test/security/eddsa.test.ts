/**
 * EdDSA (Ed25519) through the bus: verify-only nodes receive and cannot publish; the algorithm is
 * pinned per key, so `alg: none`, `alg: Ed25519` and the HS256/EdDSA confusion attack (an HMAC
 * keyed with the public key, in every byte form it is published in) are refused; a valid
 * signature cannot be re-spelled; and a rotation from HS256 to EdDSA keeps every node receiving.
 */
import { generateKeyPairSync } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import {
  ConfigError,
  createBus,
  ErrorCode,
  type KeyConfig,
  type Message,
} from '../../src/index.js';
import { createCodec, createKeyRing } from '../../src/internal.js';
import {
  expectRejected,
  forgedPayload,
  KEY_1,
  registry,
  settleIo,
  signCompact,
  signCompactEd,
  startPair,
} from './harness.js';

const { privateKey, publicKey } = generateKeyPairSync('ed25519');
const SIGNER: KeyConfig = { keys: [{ kid: 'ed-1', alg: 'EdDSA', privateKey }] };
const VERIFIER: KeyConfig = { keys: [{ kid: 'ed-1', alg: 'EdDSA', publicKey }] };
const rawPublic = Buffer.from(
  (publicKey.export({ format: 'jwk' }) as { x: string }).x,
  'base64url',
);

/** The forms in which a public key is published, each a candidate HMAC "secret" for an attacker. */
const PUBLIC_FORMS: readonly (readonly [string, Buffer])[] = [
  ['the 32 raw bytes', rawPublic],
  ['the SPKI DER bytes', publicKey.export({ format: 'der', type: 'spki' })],
  ['the SPKI PEM text', Buffer.from(publicKey.export({ format: 'pem', type: 'spki' }) as string)],
  ['the base64url text of x', Buffer.from(rawPublic.toString('base64url'))],
  ['the JWK JSON text', Buffer.from(JSON.stringify(publicKey.export({ format: 'jwk' })))],
];

describe('EdDSA between a signing node and a verify-only node', () => {
  it('delivers messages signed with the private key to a node that holds only the public key', async () => {
    const pair = await startPair({ senderKeys: SIGNER, receiverKeys: VERIFIER });
    try {
      const message = await pair.roundTrip('signed with Ed25519');
      expect(message.meta).toMatchObject({ kid: 'ed-1', node: 'sender', local: false });
      const wire = String(pair.transport.received.at(-1)?.data);
      // herald/2 head: format, algorithm:key id, node, epoch; the signature after the last space.
      expect(wire.split(' ').slice(0, 3)).toEqual(['herald/2', 'EdDSA:ed-1', 'sender']);
      expect(wire.slice(wire.lastIndexOf(' ') + 1)).toMatch(/^[A-Za-z0-9_-]{86}$/);
    } finally {
      await pair.stop();
    }
  });

  it('refuses every publish that would be signed on a verify-only node, before anything is delivered', async () => {
    const pair = await startPair({ senderKeys: SIGNER, receiverKeys: VERIFIER });
    const senderGot: Message[] = [];
    await pair.sender.subscribe('room:1', (m) => void senderGot.push(m));
    try {
      for (const attempt of [
        () => pair.receiver.broadcast('room:1', 'message', { text: 'forged?' }),
        () => pair.receiver.directBroadcast('sender', 'room:1', 'message', { text: 'forged?' }),
        () => pair.receiver.broadcastRaw('feed:main', 'x', { text: 'forged?' }),
      ]) {
        const error = await attempt().catch((e: unknown) => e);
        expect(error).toBeInstanceOf(ConfigError);
        expect(error).toMatchObject({ code: ErrorCode.ConfigInvalid });
        expect((error as ConfigError).message).toMatch(/holds only public keys/);
      }
      await settleIo();
      expect(pair.handled).toEqual([]);
      expect(senderGot).toEqual([]);
      expect(pair.receiver.stats()).toMatchObject({ published: 0, sent: 0 });
      // Local delivery is never signed, so a verify-only node may still use it.
      const receipt = await pair.receiver.localBroadcast('room:1', 'message', { text: 'local' });
      expect(receipt).toMatchObject({ localDeliveries: 1, sent: false });
    } finally {
      await pair.stop();
    }
  });

  it('recognises its own EdDSA-signed echo only when its signature verifies', () => {
    const own = createCodec(createKeyRing(SIGNER), 'node-a');
    const wire = own.encode({
      epoch: 'e',
      seq: 1,
      time: 0,
      topic: 'room:1',
      event: 'message',
      version: 1,
      data: 1,
    });
    expect(own.isOwn(wire, 'e')).toBe(true);
    expect(own.isOwn(new Uint8Array(Buffer.from(wire)), 'e')).toBe(true);
    // Same node id, same key, another bus instance (epoch): not an echo but a duplicate node.
    expect(own.isOwn(wire, 'f')).toBe(false);
    // Same header, someone else's signature: not an echo, so it goes on to be verified and refused.
    const forged = signCompactEd(forgedPayload(), {
      kid: 'ed-1',
      privateKey: generateKeyPairSync('ed25519').privateKey,
      nid: 'node-a',
    });
    expect(own.isOwn(forged, 'e')).toBe(false);
    // The same head and body under another key's signature: not an echo either.
    const other = createCodec(
      createKeyRing({
        keys: [
          { kid: 'ed-1', alg: 'EdDSA', privateKey: generateKeyPairSync('ed25519').privateKey },
        ],
      }),
      'node-a',
    );
    const otherWire = other.encode({
      epoch: 'e',
      seq: 1,
      time: 0,
      topic: 'room:1',
      event: 'message',
      version: 1,
      data: 1,
    });
    expect(otherWire.slice(0, otherWire.lastIndexOf(' '))).toBe(
      wire.slice(0, wire.lastIndexOf(' ')),
    );
    expect(own.isOwn(otherWire, 'e')).toBe(false);
    expect(createCodec(createKeyRing(SIGNER), 'node-b').isOwn(wire, 'e')).toBe(false);
  });

  it('refuses, at createBus, a sign list that names a key this node holds only the public half of', () => {
    expect(() => createBus({ registry, keys: { ...VERIFIER, sign: ['ed-1'] } })).toThrow(
      /keys.sign names "ed-1", but this node holds only its public key/,
    );
  });

  it('refuses a private key given as the public key, and a public key that is not the pair of the private one', () => {
    const pem = privateKey.export({ format: 'pem', type: 'pkcs8' }) as string;
    expect(() =>
      createBus({ registry, keys: { keys: [{ kid: 'x', alg: 'EdDSA', publicKey: pem }] } }),
    ).toThrow(/a private key was given as publicKey/);
    const other = generateKeyPairSync('ed25519').publicKey;
    expect(() =>
      createBus({
        registry,
        keys: { keys: [{ kid: 'x', alg: 'EdDSA', privateKey, publicKey: other }] },
      }),
    ).toThrow(/not a pair/);
  });

  it('reads Ed25519 keys as raw base64url / hex, PEM, bytes and KeyObjects alike', async () => {
    const seed = Buffer.from(
      (privateKey.export({ format: 'jwk' }) as { d: string }).d,
      'base64url',
    );
    const forms = [
      { kid: 'ed-1', alg: 'EdDSA', privateKey: `base64url:${seed.toString('base64url')}` },
      { kid: 'ed-1', alg: 'EdDSA', privateKey: `hex:${seed.toString('hex')}` },
      {
        kid: 'ed-1',
        alg: 'EdDSA',
        privateKey: privateKey.export({ format: 'pem', type: 'pkcs8' }) as string,
      },
      {
        kid: 'ed-1',
        alg: 'EdDSA',
        privateKey: new Uint8Array(seed),
        publicKey: new Uint8Array(rawPublic),
      },
    ] as const;
    for (const spec of forms) {
      const pair = await startPair({ senderKeys: { keys: [spec] }, receiverKeys: VERIFIER });
      try {
        expect((await pair.roundTrip('form')).meta.kid).toBe('ed-1');
      } finally {
        await pair.stop();
      }
    }
  });
});

describe('the algorithm pinned to an EdDSA key', () => {
  it.each(PUBLIC_FORMS)(
    'refuses HS256 "signed" with %s of the public key as algorithm_mismatch (the confusion attack)',
    async (_form, bytes) => {
      const pair = await startPair({ senderKeys: SIGNER, receiverKeys: VERIFIER });
      try {
        const wire = signCompact(forgedPayload(), { kid: 'ed-1', secret: bytes });
        await expectRejected(pair, 'room:1', wire, 'algorithm_mismatch');
        // Relabelled as EdDSA, an HMAC is not an Ed25519 signature.
        const relabelled = signCompact(forgedPayload(), {
          kid: 'ed-1',
          secret: bytes,
          alg: 'EdDSA',
        });
        await expectRejected(pair, 'room:1', relabelled, 'bad_signature');
      } finally {
        await pair.stop();
      }
    },
  );

  it('refuses, at configuration, an HS256 secret that is the public key of a configured EdDSA key', () => {
    for (const [form, bytes] of PUBLIC_FORMS) {
      const keys = { keys: [...VERIFIER.keys, { kid: 'hs', secret: new Uint8Array(bytes) }] };
      expect(() => createBus({ registry, keys }), form).toThrow(ConfigError);
    }
    const keys = { keys: [...VERIFIER.keys, { kid: 'hs', secret: new Uint8Array(rawPublic) }] };
    expect(() => createBus({ registry, keys })).toThrow(
      /its HMAC secret is the public key of Ed25519 key "ed-1"/,
    );
  });

  it('refuses alg "none", alg "Ed25519" and alg "HS256" headers naming the EdDSA key', async () => {
    const pair = await startPair({ senderKeys: SIGNER, receiverKeys: VERIFIER });
    try {
      const none = signCompactEd(forgedPayload(), { kid: 'ed-1', privateKey, alg: 'none' });
      await expectRejected(
        pair,
        'room:1',
        `${none.slice(0, none.lastIndexOf('.'))}.`,
        'algorithm_mismatch',
      );
      await expectRejected(
        pair,
        'room:1',
        signCompactEd(forgedPayload(), { kid: 'ed-1', privateKey, alg: 'Ed25519' }),
        'algorithm_mismatch',
      );
      // The genuine key, the genuine algorithm: accepted (the controls above are not vacuous).
      const good = signCompactEd(forgedPayload(), { kid: 'ed-1', privateKey });
      pair.transport.inject('room:1', good);
      await settleIo();
      expect(pair.handled).toHaveLength(1);
    } finally {
      await pair.stop();
    }
  });

  it('refuses an EdDSA key used against an HS256 verifier, and an Ed25519 signature by another key', async () => {
    const pair = await startPair({ senderKeys: SIGNER, receiverKeys: VERIFIER });
    try {
      const stranger = generateKeyPairSync('ed25519').privateKey;
      await expectRejected(
        pair,
        'room:1',
        signCompactEd(forgedPayload(), { kid: 'ed-1', privateKey: stranger }),
        'bad_signature',
      );
    } finally {
      await pair.stop();
    }
    const hsPair = await startPair();
    try {
      await expectRejected(
        hsPair,
        'room:1',
        signCompactEd(forgedPayload(), { kid: KEY_1.kid, privateKey }),
        'algorithm_mismatch',
      );
    } finally {
      await hsPair.stop();
    }
  });

  it('refuses a valid signature re-spelled in its unused low bits', async () => {
    const pair = await startPair({ senderKeys: SIGNER, receiverKeys: VERIFIER });
    try {
      const wire = signCompactEd(forgedPayload(), { kid: 'ed-1', privateKey });
      const last = wire.at(-1)!;
      const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_';
      // 86 characters carry 516 bits for 512: the last character's 4 low bits are unused.
      const respelled = wire.slice(0, -1) + alphabet[alphabet.indexOf(last) | 1];
      expect(respelled).not.toBe(wire);
      expect(Buffer.from(respelled.split('.')[2]!, 'base64url')).toEqual(
        Buffer.from(wire.split('.')[2]!, 'base64url'),
      );
      await expectRejected(pair, 'room:1', respelled, 'bad_signature');
    } finally {
      await pair.stop();
    }
  });
});

describe('a rotation from HS256 to EdDSA', () => {
  it('reaches a node that holds only the HS256 key and one that holds only the Ed25519 public key', async () => {
    const hs = { kid: KEY_1.kid, secret: KEY_1.secret };
    const both: KeyConfig = {
      keys: [hs, { kid: 'ed-1', alg: 'EdDSA', privateKey }],
      sign: [hs.kid, 'ed-1'],
    };
    for (const [receiverKeys, kid] of [
      [{ keys: [hs] }, KEY_1.kid],
      [VERIFIER, 'ed-1'],
    ] as const) {
      const pair = await startPair({ senderKeys: both, receiverKeys });
      try {
        const message = await pair.roundTrip('migrating');
        expect(message.meta.kid).toBe(kid);
        // One head naming both keys, two signatures after the last space.
        const wire = String(pair.transport.received.at(-1)?.data);
        expect(wire.split(' ')[1]).toBe(`HS256:${KEY_1.kid},EdDSA:ed-1`);
        expect(wire.slice(wire.lastIndexOf(' ') + 1).split(',')).toHaveLength(2);
      } finally {
        await pair.stop();
      }
    }
  });
});
