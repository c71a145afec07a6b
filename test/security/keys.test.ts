/**
 * Key management: the accepted formats, the weak-key rules, secrets kept out of every error and
 * every printed form of a key ring, keys from an environment variable and from JWKs (cross-checked
 * with jose), the `herald keys generate --alg EdDSA` command, and a full rotation walked across
 * three nodes, one node at a time.
 */
import { execFile } from 'node:child_process';
import {
  createHash,
  createHmac,
  createPublicKey,
  generateKeyPairSync,
  randomBytes,
  verify,
} from 'node:crypto';
import { fileURLToPath } from 'node:url';
import { inspect } from 'node:util';
import { CompactSign, exportJWK, generateKeyPair, generateSecret } from 'jose';
import { describe, expect, it } from 'vitest';
import { generateEd25519Key } from '../../codegen/keys.js';
import {
  type Bus,
  ConfigError,
  createBus,
  createLocalHub,
  ErrorCode,
  type Jwk,
  type KeyConfig,
  type KeySpec,
  keyFromJwk,
  keysFromEnv,
  keysFromJwks,
  type Message,
} from '../../src/index.js';
import { createCodec, createKeyRing, weakSecretProblem } from '../../src/internal.js';
import { forgedPayload, registry, secretOf, settleIo, signCompact } from './harness.js';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const random = (): string => `base64url:${randomBytes(32).toString('base64url')}`;

/** The bytes a `scheme:body` secret stands for (bare text: its UTF-8). */
function decoded(text: string): Buffer {
  const colon = text.indexOf(':');
  const body = text.slice(colon + 1);
  const scheme = text.slice(0, colon);
  if (scheme === 'base64url' || scheme === 'base64' || scheme === 'hex')
    return Buffer.from(body, scheme);
  return Buffer.from(text);
}

/** Every textual form a secret could leak in. */
function secretForms(bytes: Uint8Array): string[] {
  const b = Buffer.from(bytes);
  return [b.toString('base64url'), b.toString('base64'), b.toString('hex'), b.toString('latin1')]
    .filter((f) => f.length >= 8)
    .flatMap((f) => [f, f.slice(0, 16)]);
}

/** Runs `fn`, expects a ConfigError, and checks that none of `secrets` appears in any form of it. */
function expectRefused(fn: () => unknown, secrets: readonly string[], match?: RegExp): ConfigError {
  let caught: unknown;
  try {
    fn();
  } catch (error) {
    caught = error;
  }
  expect(caught).toBeInstanceOf(ConfigError);
  const error = caught as ConfigError;
  expect(error.code).toBe(ErrorCode.ConfigInvalid);
  if (match) expect(error.message).toMatch(match);
  const views = [
    error.message,
    String(error),
    error.stack ?? '',
    JSON.stringify(error),
    JSON.stringify({ ...error }),
    inspect(error, { depth: 5 }),
    String(error.hint),
  ].join('\n');
  for (const secret of secrets) expect(views).not.toContain(secret);
  return error;
}

describe('key formats', () => {
  const bytes = randomBytes(32);
  it.each([
    ['base64url', `base64url:${bytes.toString('base64url')}`],
    ['base64 with padding', `base64:${bytes.toString('base64')}`],
    ['hex, upper case', `hex:${bytes.toString('hex').toUpperCase()}`],
    ['raw bytes', new Uint8Array(bytes)],
  ] as const)('accepts a 32-byte secret as %s, all signing alike', (_form, secret) => {
    const ring = createKeyRing({ keys: [{ kid: 'k', secret }] });
    const reference = createKeyRing({ keys: [{ kid: 'k', secret: bytes }] });
    const fields = { epoch: 'e', seq: 1, time: 0, topic: 'room:1', event: 'message', version: 1 };
    expect(createCodec(ring, 'n').encode({ ...fields, data: 1 })).toBe(
      createCodec(reference, 'n').encode({ ...fields, data: 1 }),
    );
  });

  it('accepts 10,000 random 32-byte secrets: the weak-key rules have no false positives in practice', () => {
    for (let i = 0; i < 10_000; i++) expect(weakSecretProblem(randomBytes(32))).toBeUndefined();
  });
});

describe('weak keys, refused at configuration time', () => {
  const passphrase = 'correct horse battery staple, but long enough';
  it.each([
    [
      'under 32 bytes',
      `base64url:${randomBytes(31).toString('base64url')}`,
      /31 bytes; at least 32/,
    ],
    ['bare text (a passphrase)', passphrase, /not in a recognised format/],
    [
      'a base64url-encoded passphrase',
      `base64url:${Buffer.from(passphrase).toString('base64url')}`,
      /looks like a passphrase/,
    ],
    [
      'a hex-encoded passphrase',
      `hex:${Buffer.from(passphrase).toString('hex')}`,
      /looks like a passphrase/,
    ],
    [
      'a hex key passed as bytes (its 64 ASCII characters)',
      new Uint8Array(Buffer.from(randomBytes(32).toString('hex'))),
      /is text/,
    ],
    [
      'a passphrase with a trailing newline, as bytes',
      new Uint8Array(Buffer.from(`${passphrase}\n`)),
      /is text/,
    ],
    ['32 zero bytes', new Uint8Array(32), /1 distinct byte values/],
    ['a fill byte', `base64url:${Buffer.alloc(48, 7).toString('base64url')}`, /repeated pattern/],
    [
      'a short pattern repeated',
      new Uint8Array(Buffer.from('01020304'.repeat(8), 'hex')),
      /repeated pattern/,
    ],
    [
      'an unknown scheme',
      `b64:${randomBytes(32).toString('base64')}`,
      /not in a recognised format/,
    ],
  ] as const)('refuses %s, naming the key id and never the secret', (_what, secret, why) => {
    const body = typeof secret === 'string' ? secret.slice(secret.indexOf(':') + 1) : '';
    const bytes = typeof secret === 'string' ? decoded(secret) : secret;
    const error = expectRefused(
      () => createBus({ registry, keys: { keys: [{ kid: 'weak-1', secret }] } }),
      [...(body.length >= 8 ? [body] : []), ...secretForms(bytes), passphrase.slice(0, 12)],
      why,
    );
    expect(error.kid).toBe('weak-1');
    expect(error.message).toContain('"weak-1"');
    expect(error.hint).toMatch(/herald keys generate/);
  });

  it('never quotes a secret that was put where the key id goes', () => {
    const secret = random();
    const error = expectRefused(
      () => createKeyRing({ keys: [{ kid: secret, secret }] }),
      [secret, secret.slice(10, 30)],
    );
    expect(error.message).toBe(
      'key id #1 is invalid\n  hint: key ids are 1-64 characters of [A-Za-z0-9_.-]',
    );
  });

  it.each([
    [
      'an unsupported algorithm',
      { keys: [{ kid: 'a', secret: random(), alg: 'HS512' }] } as unknown as KeyConfig,
      /unsupported algorithm "HS512"/,
    ],
    [
      'a duplicate key id',
      {
        keys: [
          { kid: 'a', secret: random() },
          { kid: 'a', secret: random() },
        ],
      },
      /configured twice/,
    ],
    [
      'a key both allowed and retired',
      { keys: [{ kid: 'a', secret: random() }], retired: ['a'] },
      /both in keys and in retired/,
    ],
    [
      'sign naming an unknown key',
      { keys: [{ kid: 'a', secret: random() }], sign: ['b'] },
      /not in keys/,
    ],
    [
      'an empty sign list',
      { keys: [{ kid: 'a', secret: random() }], sign: [] },
      /keys.sign is empty/,
    ],
    ['no keys', { keys: [] }, /no signing keys/],
  ] as const)('refuses %s', (_what, config, why) => {
    const secrets = config.keys.map((k) => (k as { secret: string }).secret.slice(10));
    expectRefused(() => createKeyRing(config), secrets, why);
  });
});

describe('a key ring in logs', () => {
  it('prints and serialises key ids, algorithms and scopes, never key material', () => {
    const hmac = randomBytes(32);
    const { privateKey } = generateKeyPairSync('ed25519');
    const seed = Buffer.from(
      (privateKey.export({ format: 'jwk' }) as { d: string }).d,
      'base64url',
    );
    const ring = createKeyRing({
      keys: [
        { kid: 'hs', secret: hmac, scopes: ['metrics:*'] },
        { kid: 'ed', alg: 'EdDSA', privateKey },
      ],
      sign: ['hs', 'ed'],
    });
    const views = [JSON.stringify(ring), String(ring), inspect(ring, { depth: 10 }), `${ring}`];
    for (const view of views) {
      for (const form of [...secretForms(hmac), ...secretForms(seed)])
        expect(view).not.toContain(form);
      expect(view).toContain('"hs"');
      expect(view).toContain('metrics:*');
    }
    expect(JSON.parse(JSON.stringify(ring))).toEqual({
      signing: ['hs', 'ed'],
      verify: [
        { kid: 'hs', alg: 'HS256', scopes: ['metrics:*'] },
        { kid: 'ed', alg: 'EdDSA', scopes: ['**'], canSign: true },
      ],
      retired: [],
    });
  });
});

describe('keys from an environment variable', () => {
  const a = randomBytes(32);
  const b = randomBytes(32);

  it('reads a comma-separated kid=secret list; the first key signs', () => {
    const env = {
      HERALD_KEYS: ` k2=base64url:${b.toString('base64url')}, k1=hex:${a.toString('hex')} `,
    };
    const config = keysFromEnv('HERALD_KEYS', env);
    const ring = createKeyRing(config);
    expect(ring.signing.map((k) => k.kid)).toEqual(['k2']);
    expect([...ring.verify.keys()]).toEqual(['k2', 'k1']);
  });

  it('reads JSON with key specs, JWKs, sign, retired and scopes', async () => {
    const { publicKey } = await generateKeyPair('EdDSA', { extractable: true });
    const jwk = { ...(await exportJWK(publicKey)), kid: 'ed-pub', scopes: ['audit'] };
    const env = {
      KEYS: JSON.stringify({
        keys: [
          { kid: 'new', secret: `base64url:${b.toString('base64url')}`, scopes: ['metrics:**'] },
          { kty: 'oct', kid: 'old', k: a.toString('base64url') },
          jwk,
        ],
        sign: ['new', 'old'],
        retired: ['older'],
      }),
    };
    const ring = createKeyRing(keysFromEnv('KEYS', env));
    expect(ring.signing.map((k) => k.kid)).toEqual(['new', 'old']);
    expect([...ring.retired]).toEqual(['older']);
    expect(ring.verify.get('ed-pub')?.alg).toBe('EdDSA');
    expect(ring.verify.get('ed-pub')?.scope.allows('audit')).toBe(true);
    expect(ring.verify.get('new')?.scope.allows('audit')).toBe(false);
  });

  it('reads a JWK set document as it is', async () => {
    const secret = await generateSecret('HS256', { extractable: true });
    const oct = { ...(await exportJWK(secret)), kid: 'jwks-1', alg: 'HS256', use: 'sig' };
    const ring = createKeyRing(keysFromEnv('X', { X: JSON.stringify({ keys: [oct] }) }));
    expect(ring.signing.map((k) => k.kid)).toEqual(['jwks-1']);
  });

  it.each([
    ['unset', {}, /HERALD_KEYS is not set/],
    ['empty', { HERALD_KEYS: '  ' }, /HERALD_KEYS is not set/],
    [
      'broken JSON',
      { HERALD_KEYS: `{"keys":[{"kid":"k","secret":"base64url:${'Zm9v'.repeat(11)}"` },
      /is not valid JSON/,
    ],
    ['JSON without keys', { HERALD_KEYS: '{"sign":["k"]}' }, /has no "keys" list/],
    [
      'an entry without "="',
      { HERALD_KEYS: `base64url:${'Zm9v'.repeat(11)}` },
      /entry #1 is not "kid=secret"/,
    ],
  ] as const)('refuses a variable that is %s, without quoting it', (_what, env, why) => {
    const value = (env as { HERALD_KEYS?: string }).HERALD_KEYS ?? 'unset';
    const error = expectRefused(
      () => keysFromEnv('HERALD_KEYS', env),
      ['Zm9vZm9vZm9v', value.trim() || 'unset'],
      why,
    );
    expect(error.message).toContain('HERALD_KEYS');
  });

  it('refuses a weak secret from the environment at createBus, without quoting it', () => {
    const weak = `base64url:${Buffer.from('my old passphrase from the wiki!').toString('base64url')}`;
    expectRefused(
      () => createBus({ registry, keys: keysFromEnv('K', { K: `ops=${weak}` }) }),
      [weak, weak.slice(10)],
      /looks like a passphrase/,
    );
  });
});

describe('keys from JWKs', () => {
  it('signs with a private Ed25519 JWK in a way jose verifies with the public JWK, and the reverse', async () => {
    const { privateKey, publicKey } = await generateKeyPair('EdDSA', { extractable: true });
    const privateJwk = { ...(await exportJWK(privateKey)), kid: 'ed-1' } as Jwk;
    const publicJwk = { ...(await exportJWK(publicKey)), kid: 'ed-1' } as Jwk;
    const signer = createCodec(createKeyRing(keysFromJwks({ keys: [privateJwk] })), 'node-a');
    const fields = {
      epoch: 'e',
      seq: 1,
      time: Date.now(),
      topic: 'room:1',
      event: 'message',
      version: 1,
    };
    const wire = signer.encode({ ...fields, data: { text: 'hi' } });
    // herald/2 (docs/wire-format.md §4): Ed25519 over the bytes before the last space.
    const last = wire.lastIndexOf(' ');
    const publicKeyObject = createPublicKey({ key: await exportJWK(publicKey), format: 'jwk' });
    const signature = Buffer.from(wire.slice(last + 1), 'base64url');
    expect(verify(null, Buffer.from(wire.slice(0, last), 'utf8'), publicKeyObject, signature)).toBe(
      true,
    );
    expect(wire.startsWith('herald/2 EdDSA:ed-1 node-a e [')).toBe(true);

    // A herald/1 message signed by jose (still read) verifies at a node that holds only the public JWK.
    const verifier = createKeyRing(keysFromJwks([publicJwk]));
    expect(verifier.signing).toEqual([]);
    const joseWire = await new CompactSign(
      new TextEncoder().encode(forgedPayload({ topic: 'room:1', seq: 2 })),
    )
      .setProtectedHeader({ alg: 'EdDSA', kid: 'ed-1', typ: 'herald/1', nid: 'jose-node' })
      .sign(privateKey);
    const decoded = createCodec(verifier, 'node-b').decode(joseWire);
    expect(decoded.ok && decoded.envelope).toMatchObject({
      node: 'jose-node',
      kid: 'ed-1',
      seq: 2,
    });
  });

  it('reads an oct JWK as the HS256 key that signs exactly as the raw secret does', async () => {
    const bytes = randomBytes(32);
    const spec = keyFromJwk({ kty: 'oct', kid: 'o', k: bytes.toString('base64url'), alg: 'HS256' });
    const wire = createCodec(createKeyRing({ keys: [spec] }), 'n').encode({
      epoch: 'e',
      seq: 1,
      time: 0,
      topic: 't',
      event: 'x',
      version: 1,
      data: null,
    });
    // herald/2 (docs/wire-format.md §4): HMAC-SHA256 over the bytes before the last space.
    const last = wire.lastIndexOf(' ');
    const mac = createHmac('sha256', bytes).update(wire.slice(0, last), 'utf8').digest('base64url');
    expect(wire.slice(last + 1)).toBe(mac);
  });

  it.each([
    ['an RSA key', { kty: 'RSA', kid: 'r', n: 'AQAB', e: 'AQAB' }, /key type "RSA"/],
    ['an X25519 key', { kty: 'OKP', crv: 'X25519', kid: 'x', x: 'AAAA' }, /curve "X25519"/],
    ['an encryption key', { kty: 'oct', kid: 'e', use: 'enc', k: 'AAAA' }, /use is not "sig"/],
    [
      'an oct key for HS512',
      { kty: 'oct', kid: 'h', alg: 'HS512', k: 'AAAA' },
      /declares alg "HS512"/,
    ],
    [
      'an OKP key declaring ES256',
      { kty: 'OKP', crv: 'Ed25519', kid: 'p', alg: 'ES256', x: 'AAAA' },
      /declares alg "ES256"/,
    ],
    [
      'key_ops without verify',
      { kty: 'oct', kid: 'o', key_ops: ['encrypt'], k: 'AAAA' },
      /key_ops/,
    ],
    ['no kid', { kty: 'oct', k: 'AAAA' }, /has no kid/],
  ] as const)('refuses %s', (_what, jwk, why) => {
    expectRefused(() => keysFromJwks([jwk]), ['AAAA'], why);
  });

  it('refuses a weak oct secret, and an Ed25519 private key that does not match its x', () => {
    const weak = Buffer.from('a shared password nobody guesses').toString('base64url');
    expectRefused(
      () => createKeyRing(keysFromJwks([{ kty: 'oct', kid: 'w', k: weak }])),
      [weak],
      /passphrase/,
    );
    const one = generateKeyPairSync('ed25519').privateKey.export({ format: 'jwk' }) as {
      d: string;
    };
    const two = generateKeyPairSync('ed25519').privateKey.export({ format: 'jwk' }) as {
      x: string;
    };
    expectRefused(
      () =>
        createKeyRing(keysFromJwks([{ kty: 'OKP', crv: 'Ed25519', kid: 'm', x: two.x, d: one.d }])),
      [one.d],
      /not a pair/,
    );
  });
});

describe('herald keys generate --alg EdDSA', () => {
  it('makes a JWK pair: the private one signs, the public one only verifies', () => {
    const pair = generateEd25519Key('ops-ed');
    expect(pair.public).toEqual({
      kty: 'OKP',
      crv: 'Ed25519',
      kid: 'ops-ed',
      alg: 'EdDSA',
      use: 'sig',
      x: pair.private.x,
    });
    expect(pair.private.d).toMatch(/^[A-Za-z0-9_-]{43}$/);
    const signer = createKeyRing(keysFromJwks([pair.private]));
    const verifier = createKeyRing(keysFromJwks([pair.public]));
    expect(signer.signing.map((k) => k.kid)).toEqual(['ops-ed']);
    expect(verifier.signing).toEqual([]);
    const wire = createCodec(signer, 'a').encode({
      epoch: 'e',
      seq: 1,
      time: 0,
      topic: 't',
      event: 'x',
      version: 1,
      data: 1,
    });
    expect(createCodec(verifier, 'b').decode(wire).ok).toBe(true);
  });

  it('is printed by the CLI with --json as two JSON lines', { timeout: 60_000 }, async () => {
    const stdout = await new Promise<string>((resolve, reject) => {
      execFile(
        process.execPath,
        [
          '--import',
          'tsx',
          'codegen/cli.ts',
          'keys',
          'generate',
          '--alg',
          'EdDSA',
          '--kid',
          'cli-ed',
          '--json',
        ],
        { cwd: ROOT },
        (error, out) => (error ? reject(error) : resolve(out)),
      );
    });
    const [privateLine, publicLine, ...rest] = stdout.trim().split('\n');
    expect(rest).toEqual([]);
    expect(
      createKeyRing(keysFromJwks([JSON.parse(privateLine!)])).signing.map((k) => k.kid),
    ).toEqual(['cli-ed']);
    expect(createKeyRing(keysFromJwks([JSON.parse(publicLine!)])).signing).toEqual([]);
    expect(JSON.parse(publicLine!)).not.toHaveProperty('d');
  });
});

// ---------------------------------------------------------------- rotation across three nodes

const NODES = ['node-a', 'node-b', 'node-c'] as const;
type Node = (typeof NODES)[number];
const OLD: KeySpec = {
  kid: 'old-2025',
  secret: `base64url:${createHash('sha256').update('rotation old').digest('base64url')}`,
};
const NEW: KeySpec = {
  kid: 'new-2026',
  secret: `base64url:${createHash('sha256').update('rotation new').digest('base64url')}`,
};

/** The three rotation steps of docs/security.md, as the configuration a node has after each. */
const STEP: Record<0 | 1 | 2 | 3, KeyConfig> = {
  0: { keys: [OLD] },
  1: { keys: [OLD, NEW], sign: [OLD.kid] },
  2: { keys: [OLD, NEW], sign: [OLD.kid, NEW.kid] },
  3: { keys: [NEW], sign: [NEW.kid], retired: [OLD.kid] },
};

/** Starts the three nodes with the given steps; every node publishes once; returns who got what. */
async function exchange(steps: Record<Node, 0 | 1 | 2 | 3>): Promise<Record<Node, string[]>> {
  const hub = createLocalHub();
  const buses = new Map<Node, Bus<typeof registry.defs>>();
  const got: Record<Node, string[]> = { 'node-a': [], 'node-b': [], 'node-c': [] };
  for (const node of NODES) {
    const bus = createBus({
      registry,
      keys: STEP[steps[node]],
      transport: hub.transport(),
      nodeId: node,
    });
    await bus.start();
    await bus.subscribe('room:1', (m: Message) => {
      if (!m.meta.local) got[node].push(`${m.meta.node}/${m.meta.kid}`);
    });
    buses.set(node, bus);
  }
  for (const node of NODES) await buses.get(node)!.broadcast('room:1', 'message', { text: node });
  await settleIo();
  for (const bus of buses.values()) {
    expect(bus.stats().rejectedTotal).toBe(0);
    await bus.stop();
  }
  return got;
}

describe('a key rotation across three nodes, one node at a time', () => {
  it('keeps every node accepting every other node at every intermediate state, then refuses the old key', async () => {
    // Each step is applied node by node; the state after each single change is checked.
    const states: Record<Node, 0 | 1 | 2 | 3>[] = [];
    const current: Record<Node, 0 | 1 | 2 | 3> = { 'node-a': 0, 'node-b': 0, 'node-c': 0 };
    states.push({ ...current });
    for (const step of [1, 2, 3] as const) {
      for (const node of NODES) {
        current[node] = step;
        states.push({ ...current });
      }
    }
    expect(states).toHaveLength(10);
    for (const state of states) {
      const got = await exchange(state);
      for (const node of NODES) {
        const senders = got[node].map((g) => g.split('/')[0]).sort();
        expect(senders, `${node} in state ${JSON.stringify(state)}`).toEqual(
          NODES.filter((n) => n !== node),
        );
        // Which key verified: the old one until the receiver retired it, then the new one.
        for (const entry of got[node]) {
          const kid = entry.split('/')[1];
          expect(kid).toBe(
            state[node] === 3 || state[entry.split('/')[0] as Node] === 3 ? NEW.kid : OLD.kid,
          );
        }
      }
    }

    // After the rotation, a message signed with the old key alone is refused as retired_key.
    const hub = createLocalHub();
    const node = createBus({
      registry,
      keys: STEP[3],
      transport: hub.transport(),
      nodeId: 'node-a',
    });
    await node.start();
    const handled: Message[] = [];
    await node.subscribe('room:1', (m) => void handled.push(m));
    const attacker = hub.transport();
    await attacker.connect({ message() {}, event() {} });
    const old = { kid: OLD.kid, secret: secretOf(OLD as { secret: string }) };
    await attacker.publish('room:1', signCompact(forgedPayload(), old));
    await settleIo();
    expect(node.stats().rejected.retired_key).toBe(1);
    expect(handled).toEqual([]);
    await node.stop();
    await attacker.close();
  });
});
