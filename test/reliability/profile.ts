/**
 * The two lengths of the reliability suite. `RELIABILITY=full` selects the long version the issue
 * asks for (2-minute flapping, 60-second overload, 10-minute soaks); anything else runs the short
 * version CI can afford (about six minutes in all). Each scenario reads its numbers from here.
 */

/** `short` (default) or `full`, from the `RELIABILITY` environment variable. */
export const MODE: 'short' | 'full' = process.env.RELIABILITY === 'full' ? 'full' : 'short';

const full = MODE === 'full';

/**
 * How far a lost message may lie outside a signalled gap and still count as inside it, in ms:
 * the time between a publish being taken by the server and the bytes reaching the receiver.
 * Messages that needed it are counted separately (`inGapSlack`), so the slack is never hidden.
 */
export const SLACK_MS = 200;

/** The seed of the random fault schedule: `RELIABILITY_SEED`, else a fresh one (printed). */
export const SEED = Number(process.env.RELIABILITY_SEED ?? Math.floor(Math.random() * 2 ** 31));

/** Durations (ms) and rates (messages per second) of every scenario. */
export const profile = {
  flapping: {
    durationMs: full ? 120_000 : 25_000,
    rate: 2000,
    /** Each outage lasts a random 0-2 s ... */
    maxOutageMs: 2000,
    /** ... and the server stays up a random 1-3 s between two outages. */
    minUpMs: 1000,
    maxUpMs: 3000,
  },
  /** NATS, a consumer group of 3 member processes: one member SIGKILLed and restarted per round. */
  natsGroup: {
    rate: 2000,
    kills: full ? 6 : 2,
    steadyMs: full ? 5000 : 3000,
    /** Membership heartbeat and timeout of the members (`groupHeartbeat`). */
    heartbeatMs: 300,
    timeoutMs: 1500,
  },
  /** NATS, a private three-node cluster: the receiver's node killed (SIGKILL) and restarted. */
  natsCluster: {
    rate: 5000,
    kills: full ? 6 : 2,
    /** How long the killed node stays down. */
    downMs: full ? 5000 : 2000,
    steadyMs: 2000,
  },
  failover: {
    rate: 5000,
    /** Each cycle: Redis killed and restarted, then the receiver's own subscription cut. */
    cycles: full ? 6 : 2,
    /** How long Redis stays down in each cycle. */
    downMs: full ? 8000 : 3000,
    /** Steady traffic before each fault. */
    steadyMs: 2000,
    failbackAfterMs: 2000,
    retryMs: 500,
  },
  slowSubscriber: {
    rate: 5000,
    /** Repetitions of each kind of slowness (a stalled process, a CPU-bound handler). */
    rounds: full ? 3 : 1,
    steadyMs: 2000,
    /** `client-output-buffer-limit pubsub <hard> <soft> <seconds>` of the private server. */
    outputBufferLimit: ['256kb', '64kb', '1'] as const,
    /** The CPU-bound handler spends this long per message while slow ... */
    slowHandlerMs: 2,
    /** ... for this long. */
    slowPhaseMs: 6000,
  },
  /**
   * PostgreSQL, a subscriber slower than the stream (issue 13, finding 1): two publisher processes,
   * one subscriber process whose handler burns 1.5 ms of CPU per message (~650 msg/s).
   */
  postgresSlowSubscriber: {
    publishers: 2,
    /** Per publisher. */
    rate: 1000,
    workMs: 1.5,
    durationMs: full ? 60_000 : 15_000,
    /** After publishing, how long the subscriber may take to work through its backlog. */
    drainTimeoutMs: full ? 300_000 : 90_000,
  },
  /**
   * PostgreSQL, a busy subscriber whose LISTEN connection is terminated (finding 2): 0.4 ms of
   * work per message (it keeps up), `pg_terminate_backend` on its listener `terminations` times.
   */
  postgresTerminatedListener: {
    publishers: 2,
    rate: 1000,
    workMs: 0.4,
    durationMs: full ? 60_000 : 15_000,
    terminations: full ? 6 : 3,
    drainTimeoutMs: full ? 120_000 : 60_000,
  },
  overload: {
    durationMs: full ? 60_000 : 10_000,
    /** What the handler can take, per second ... */
    capacity: 1000,
    /** ... and ten times that is published. */
    rate: 10_000,
    queueLimit: 1024,
    maxRssGrowthMb: 50,
  },
  soak: {
    durationMs: full ? 600_000 : 30_000,
    /** The first part of each soak warms up (JIT, pools, buffers); growth is measured after it. */
    warmupMs: full ? 60_000 : 10_000,
    rate: 5000,
    maxRssGrowth: 0.05,
    maxLagP99Ms: 50,
  },
} as const;

/** A test timeout for a scenario that runs `ms`: its length plus room for setup and drain. */
export const timeoutFor = (ms: number): number => ms + 120_000;
