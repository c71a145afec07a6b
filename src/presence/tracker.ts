/**
 * The presence tracker of one node: its own presences (versioned, CRDT-style: each node owns its
 * entries, so there is nothing to merge), the replicas of its peers, and the protocol that keeps
 * them in step over the bus.
 *
 * - Every change bumps this node's version and broadcasts a delta.
 * - Every `heartbeatMs` a heartbeat carries the epoch, version and digest. A peer that sees a
 *   newer version than its replica (a lost delta) or the same version with another digest asks
 *   for the full state, which comes back in parts to that peer alone.
 * - A peer silent for `downAfterMs` is down: its presences leave, and come back (joins) if it
 *   does; after `permdownAfterMs` it is forgotten.
 * - A message from a newer epoch of a node (it restarted) purges the old epoch's presences first:
 *   no ghosts after a deploy (phoenix#2306). A graceful stop broadcasts `leave`.
 * - When this node's own timer fires far too late (the process was frozen, SIGSTOP, or its event
 *   loop blocked), it does not declare its peers dead: it gives them a new grace period and asks
 *   for their states instead.
 *
 * The peers' replicas and their liveness are kept in peers.ts; this file is the protocol.
 */

import { type OwnChange, OwnPresences } from './own.js';
import { PeerReplicas } from './peers.js';
import type { EntryCheck, Replica } from './replica.js';
import type { PresenceStats } from './types.js';
import type { PresenceView } from './view.js';
import { type Inbound, newEpoch, PresenceWire, parseInbound, type WireEntry } from './wire.js';

/** What the tracker needs from the bus: its clock and the signed road. */
export interface PresencePort {
  readonly nodeId: string;
  now(): number;
  /** Signs and sends a presence message: broadcast on `$presence`, or to one node. */
  send(event: PresenceWire, data: unknown, to?: string): Promise<void>;
}

/** Resolved timings and limits. */
export interface TrackerSettings {
  readonly heartbeatMs: number;
  readonly downAfterMs: number;
  readonly permdownAfterMs: number;
  readonly maxPresences: number;
}

/** The tracker. */
export class PresenceTracker {
  #running = false;
  #timer: ReturnType<typeof setTimeout> | undefined;
  #lastTick = 0;
  readonly #own: OwnPresences;
  readonly #peers: PeerReplicas;
  readonly #sent = { hb: 0, delta: 0, state: 0, sync: 0, leave: 0 };
  #sendErrors = 0;
  #ignored = 0;

  constructor(
    private readonly port: PresencePort,
    private readonly settings: TrackerSettings,
    private readonly view: PresenceView,
    check: EntryCheck,
  ) {
    this.#own = new OwnPresences(port.nodeId, view);
    this.#peers = new PeerReplicas(() => port.now(), view, check, settings.maxPresences);
  }

  get epoch(): string {
    return this.#own.epoch;
  }

  get version(): number {
    return this.#own.version;
  }

  get running(): boolean {
    return this.#running;
  }

  /** Presences this node tracks. */
  get size(): number {
    return this.#own.size;
  }

  // ------------------------------------------------------------------ lifecycle

  /** Starts heartbeats; the bus has subscribed to `$presence` and is started. */
  start(): void {
    this.#own.reset(newEpoch(this.port.now()));
    this.#running = true;
    this.#lastTick = this.port.now();
    this.#heartbeat(true);
    this.#schedule();
  }

  /** Tells every peer that this node's presences are gone, then forgets everything. */
  async stop(): Promise<void> {
    if (!this.#running) return;
    this.#running = false;
    if (this.#timer !== undefined) clearTimeout(this.#timer);
    this.#timer = undefined;
    await this.#send(PresenceWire.Leave, { e: this.epoch });
    this.#own.reset('');
    this.#peers.clear();
    this.view.clear();
  }

  /** After a transport gap: ask every peer for its state (deltas may have been lost). */
  resync(): void {
    if (this.#running) this.#heartbeat(true);
  }

  // ------------------------------------------------------------------ own presences

  /** The current meta of one of this node's presences. */
  current(topic: string, key: string, owner: string): unknown {
    return this.#own.current(topic, key, owner);
  }

  /** Tracks or updates; resolves with the ref (unchanged when the meta is the same). */
  async put(topic: string, key: string, owner: string, meta: unknown): Promise<string> {
    const put = this.#own.put(topic, key, owner, meta, this.port.now());
    if (put === undefined) return this.#own.refOf(topic, key, owner) as string;
    await this.#delta(put.change);
    return this.#own.ref(put.entry);
  }

  /** Untracks the presences matching `match`; resolves with how many there were. */
  async remove(match: (entry: WireEntry) => boolean): Promise<number> {
    const change = this.#own.remove(match);
    if (change) await this.#delta(change);
    return change?.leaves.length ?? 0;
  }

  /** Untracks one presence by identity; resolves with 1 or 0. */
  async removeOne(topic: string, key: string, owner: string): Promise<number> {
    const change = this.#own.removeOne(topic, key, owner);
    if (change) await this.#delta(change);
    return change?.leaves.length ?? 0;
  }

  #delta({ from, to, joins, leaves }: OwnChange): Promise<void> {
    return this.#send(PresenceWire.Delta, { e: this.epoch, v: to, p: from, j: joins, l: leaves });
  }

  // ------------------------------------------------------------------ timers

  #schedule(): void {
    this.#timer = setTimeout(this.#tick, this.settings.heartbeatMs);
    this.#timer.unref?.();
  }

  readonly #tick = (): void => {
    if (!this.#running) return;
    const { heartbeatMs, downAfterMs, permdownAfterMs } = this.settings;
    const now = this.port.now();
    const late = now - this.#lastTick > Math.max(3 * heartbeatMs, downAfterMs / 2);
    this.#lastTick = now;
    // When late, we were frozen, not them: a fresh grace period, and their states again.
    this.#peers.sweep(late, downAfterMs, permdownAfterMs);
    this.view.flush();
    this.#heartbeat(late);
    this.#schedule();
  };

  #heartbeat(want: boolean): void {
    void this.#send(PresenceWire.Heartbeat, {
      e: this.epoch,
      v: this.version,
      d: this.#own.digest,
      n: this.#own.size,
      ...(want ? { w: 1 } : {}),
    });
  }

  // ------------------------------------------------------------------ inbound

  /** A verified presence message from `node` (the bus checked signature, replay and skew). */
  receive(node: string, event: string, data: unknown): void {
    if (!this.#running || node === this.port.nodeId) return;
    const message = parseInbound(event, data);
    if (message === undefined) {
      this.#ignored++;
      return;
    }
    const target = this.#peers.target(node, message);
    if (target === 'stale') this.#ignored++;
    else if (target !== 'left') this.#handle(target, message);
    this.view.flush();
  }

  #handle(replica: Replica, message: Inbound): void {
    switch (message.kind) {
      case 'hb': {
        const { v, d, w } = message.body;
        const behind = v > replica.version && v !== replica.refused;
        if (behind || (v === replica.version && d !== replica.digest)) this.#ask(replica);
        if (w === 1) this.#sendState(replica.node);
        break;
      }
      case 'delta': {
        const { p, v, j, l } = message.body;
        if (v <= replica.version) this.#ignored++;
        else if (!replica.applyDelta(p, v, j, l)) this.#ask(replica);
        break;
      }
      case 'state': {
        const { v, d, i, c, s } = message.body;
        if (v < replica.version || (v === replica.version && d === replica.digest)) {
          replica.dropPartsBelow(v);
          break;
        }
        replica.applyPart(v, i, c, s);
        break;
      }
      case 'sync':
        this.#sendState(replica.node);
        break;
    }
  }

  #ask(replica: Replica): void {
    const now = this.port.now();
    if (now - replica.askedAt < this.settings.heartbeatMs) return;
    replica.askedAt = now;
    void this.#send(PresenceWire.Sync, { e: this.epoch }, replica.node);
  }

  #sendState(to: string): void {
    const parts = this.#own.parts();
    const { epoch: e, version: v, digest: d } = this.#own;
    parts.forEach((s, i) => {
      void this.#send(PresenceWire.State, { e, v, d, i, c: parts.length, s }, to);
    });
  }

  async #send(event: PresenceWire, data: unknown, to?: string): Promise<void> {
    this.#sent[event]++;
    try {
      await this.port.send(event, data, to);
    } catch {
      // Peers catch up from the next heartbeat (a newer version makes them ask for the state).
      this.#sendErrors++;
    }
  }

  // ------------------------------------------------------------------ stats

  stats(): PresenceStats {
    const peers = this.#peers.list();
    return {
      epoch: this.epoch,
      version: this.version,
      presences: this.#own.size,
      peers,
      sent: { ...this.#sent },
      sendErrors: this.#sendErrors,
      ignored: this.#ignored,
      downs: this.#peers.downs,
      ups: this.#peers.ups,
    };
  }
}
