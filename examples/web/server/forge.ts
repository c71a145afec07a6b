/**
 * The "sign with a wrong key" button: the instance runs a second bus that holds the demo's key id
 * with another secret (what a node with a stale or stolen-and-guessed key would send), and posts
 * a chat message with it onto the same transport. Every instance's bus refuses it as
 * `bad_signature` before any handler, the gateway or a page could see it. The instance reports
 * what its own bus did: the rejection it observed, and how many of the forged messages reached its
 * handler on the room (always 0; counted by a real subscription, not assumed).
 */
import { randomBytes } from 'node:crypto';
import {
  type Bus,
  type ChainOptions,
  createBus,
  type Rejection,
  type TransportChoice,
} from '../../../src/index.js';
import { createClient, validators } from '../generated/client.js';
import { registry } from '../registry.js';

/** The forged message's topic: the open chat room every page shows. */
export const FORGED_ROOM = 'lobby';
const FORGED_TEXT = 'FORGED: signed with a wrong key';
/** How long to wait for this instance's own bus to refuse the forged message. */
const VERDICT_MS = 2000;

/** What one press of the button did. */
export interface ForgeResult {
  /** The key id the forged message claims. */
  readonly kid: string;
  /** The rejection this instance's bus reported, or undefined when none came in time. */
  readonly rejection: Rejection | undefined;
  /** How many forged messages reached this instance's handler on the room since start: 0. */
  readonly delivered: number;
}

/** The forger of one instance. */
export interface Forger {
  forge(): Promise<ForgeResult>;
  stop(): Promise<void>;
}

/** What the forger needs of its instance. */
export interface ForgerOptions {
  readonly bus: Bus<typeof registry.defs>;
  /** The key id the real nodes sign with; the forger claims it with another secret. */
  readonly kid: string;
  /** A transport to the same place as the instance's (a new one: it is a separate node). */
  readonly transport: () => TransportChoice;
  readonly transportOptions: ChainOptions;
}

/** Starts the forger of an instance (its own bus, started on first use). */
export async function createForger(options: ForgerOptions): Promise<Forger> {
  const { bus, kid } = options;
  let delivered = 0;
  const client = createClient(bus);
  // A real handler on the room: if a forged message ever got through, it would count here.
  const watch = await client.chat.message.subscribe({ room: FORGED_ROOM }, (message) => {
    if (message.text === FORGED_TEXT) delivered++;
  });
  let forger: Bus<typeof registry.defs> | undefined;
  const start = async (): Promise<Bus<typeof registry.defs>> => {
    if (forger) return forger;
    forger = createBus({
      registry,
      validators,
      keys: { keys: [{ kid, secret: randomBytes(32) }] },
      nodeId: `${bus.nodeId}-forger`,
      transport: options.transport(),
      transportOptions: options.transportOptions,
      presence: false,
      log: false,
    });
    await forger.start();
    return forger;
  };
  return {
    async forge() {
      const wrong = await start();
      const channel = registry.topic('chat', { room: FORGED_ROOM });
      const verdict = new Promise<Rejection | undefined>((resolve) => {
        const timer = setTimeout(() => done(undefined), VERDICT_MS);
        const off = bus.on('rejected', (rejection) => {
          if (rejection.channel === channel) done(rejection);
        });
        const done = (value: Rejection | undefined): void => {
          clearTimeout(timer);
          off();
          resolve(value);
        };
      });
      await createClient(wrong).chat.message.publish(
        { room: FORGED_ROOM },
        { user: 'mallory', text: FORGED_TEXT },
      );
      return { kid, rejection: await verdict, delivered };
    },
    async stop() {
      await watch.unsubscribe();
      await forger?.stop();
    },
  };
}
