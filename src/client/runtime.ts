/**
 * The fixed part of every generated client (`herald codegen`): the shapes of its per-topic and
 * per-event entries, and the three generic builders the generated `createClient` makes them with.
 *
 * The types are public (they appear in a generated client's signatures, and the generated module
 * re-exports them); the builders and {@link ClientCalls} are for generated code and are exported
 * from `herald/internal`. Each builder only turns typed arguments into a topic string and calls the
 * bus: validation, signing and delivery stay in the bus.
 */
import type {
  Handler,
  Message,
  MessageMeta,
  PublishReceipt,
  SubscribeOptions,
  Subscriber,
  Subscription,
} from '../bus/types.js';

/** Subscription options of one event (the event filter is implied). */
export type EventSubscribeOptions = Omit<SubscribeOptions, 'events'>;

/** Operations on one event of a topic: `P` its parameters, `T` its payload, `E` its name. */
export interface EventClient<P, T, E extends string> {
  /** Validates and publishes to every subscriber on every node. */
  publish(params: P, payload: T): Promise<PublishReceipt>;
  /** Like `publish`, but the sender's own subscriptions do not receive it. */
  publishFrom(sender: Subscriber, params: P, payload: T): Promise<PublishReceipt>;
  /** Publishes to the subscribers of one node only. */
  publishDirect(node: string, params: P, payload: T): Promise<PublishReceipt>;
  /** Publishes to this bus instance's subscribers only; nothing crosses the transport. */
  publishLocal(params: P, payload: T): Promise<PublishReceipt>;
  /** Subscribes to this event; the handler gets the payload and its metadata. */
  subscribe(
    params: P,
    handler: (payload: T, meta: MessageMeta) => void | Promise<void>,
    options?: EventSubscribeOptions,
  ): Promise<Subscription>;
  /** This event's messages as an async iterator; `break` unsubscribes. */
  stream(params: P, options?: EventSubscribeOptions): AsyncIterableIterator<Message<E, T>>;
}

/** Operations on a whole topic: `P` its parameters, `M` its messages, `N` its concrete names. */
export interface TopicClient<P, M extends Message, N extends string> {
  /** The concrete topic for these parameters. */
  topic(params: P): N;
  /** Subscribes to every event of the topic, or to those in `options.events`. */
  subscribe<E extends M['event'] = M['event']>(
    params: P,
    handler: Handler<Extract<M, { event: E }>>,
    options?: SubscribeOptions<E>,
  ): Promise<Subscription>;
  /** The topic's messages as an async iterator; `break` unsubscribes. */
  stream<E extends M['event'] = M['event']>(
    params: P,
    options?: SubscribeOptions<E>,
  ): AsyncIterableIterator<Extract<M, { event: E }>>;
}

/**
 * Operations on every topic of a `wildcard` template (docs/templates.md): `M` its messages, whose
 * `params` say which concrete topic each came from.
 */
export interface TemplateClient<M extends Message> {
  /** The template, e.g. `health:node:{node}`. */
  readonly template: string;
  /** Subscribes to every concrete topic of the template (`bus.subscribe(template)`). */
  subscribeAll<E extends M['event'] = M['event']>(
    handler: Handler<Extract<M, { event: E }>>,
    options?: SubscribeOptions<E>,
  ): Promise<Subscription>;
  /** Every topic's messages as an async iterator; `break` unsubscribes. */
  streamAll<E extends M['event'] = M['event']>(
    options?: SubscribeOptions<E>,
  ): AsyncIterableIterator<Extract<M, { event: E }>>;
}

/** Operations on a raw topic: any event name, any JSON payload, signed but not validated. */
export interface RawTopicClient<P, N extends string> extends TopicClient<P, Message, N> {
  /** Publishes an unvalidated (still signed) payload under any event name. */
  publishRaw(params: P, event: string, payload: unknown): Promise<PublishReceipt>;
}

/**
 * The bus calls behind the typed functions, untyped: a `Bus` of any registry is one. The client's
 * own signatures carry the types.
 */
export interface ClientCalls {
  /** `bus.broadcast`. */
  broadcast(topic: string, event: string, payload: unknown): Promise<PublishReceipt>;
  /** `bus.broadcastFrom`. */
  broadcastFrom(
    sender: Subscriber,
    topic: string,
    event: string,
    payload: unknown,
  ): Promise<PublishReceipt>;
  /** `bus.directBroadcast`. */
  directBroadcast(
    node: string,
    topic: string,
    event: string,
    payload: unknown,
  ): Promise<PublishReceipt>;
  /** `bus.localBroadcast`. */
  localBroadcast(topic: string, event: string, payload: unknown): Promise<PublishReceipt>;
  /** `bus.broadcastRaw`. */
  broadcastRaw(topic: string, event: string, payload: unknown): Promise<PublishReceipt>;
  /** `bus.subscribe`. */
  subscribe(
    topic: string,
    handler: Handler<Message>,
    options?: SubscribeOptions,
  ): Promise<Subscription>;
  /** `bus.stream`. */
  stream(topic: string, options?: SubscribeOptions): AsyncIterableIterator<Message>;
}

/**
 * The operations on one event, over `calls`; `at` builds the topic from the parameters.
 * @example
 * const message = eventClient<RoomParams, RoomMessage, 'message'>(bus, at('room'), 'message');
 */
export function eventClient<P, T, E extends string>(
  calls: ClientCalls,
  at: (params: P) => string,
  event: E,
): EventClient<P, T, E> {
  return {
    publish: async (params, payload) => calls.broadcast(at(params), event, payload),
    publishFrom: async (sender, params, payload) =>
      calls.broadcastFrom(sender, at(params), event, payload),
    publishDirect: async (node, params, payload) =>
      calls.directBroadcast(node, at(params), event, payload),
    publishLocal: async (params, payload) => calls.localBroadcast(at(params), event, payload),
    subscribe: async (params, handler, options) =>
      // The bus filters on `event` and has validated the payload against its schema.
      calls.subscribe(at(params), (message) => handler(message.payload as T, message.meta), {
        ...options,
        events: [event],
      }),
    stream: (params, options) =>
      calls.stream(at(params), { ...options, events: [event] }) as AsyncIterableIterator<
        Message<E, T>
      >,
  };
}

/**
 * The topic-wide operations of a typed topic, over `calls`; `at` builds the topic.
 * @example
 * const room = topicClient<RoomParams, RoomEvent, RoomTopic>(bus, at('room'));
 */
export function topicClient<P, M extends Message, N extends string>(
  calls: ClientCalls,
  at: (params: P) => N,
): TopicClient<P, M, N> {
  return {
    topic: at,
    subscribe: async (params, handler, options) =>
      calls.subscribe(at(params), handler as Handler<Message>, options),
    stream: <E extends M['event']>(params: P, options?: SubscribeOptions<E>) =>
      calls.stream(at(params), options) as AsyncIterableIterator<Extract<M, { event: E }>>,
  };
}

/**
 * The operations of a raw topic, over `calls`; `at` builds the topic.
 * @example
 * const legacy = rawTopicClient<LegacyParams, LegacyTopic>(bus, at('legacy'));
 */
export function rawTopicClient<P, N extends string>(
  calls: ClientCalls,
  at: (params: P) => N,
): RawTopicClient<P, N> {
  return {
    ...topicClient<P, Message, N>(calls, at),
    publishRaw: async (params, event, payload) => calls.broadcastRaw(at(params), event, payload),
  };
}

/**
 * The template operations of a `wildcard` topic, over `calls`.
 * @example
 * const fleet = templateClient<NodeHealthEvent>(bus, 'health:node:{node}');
 */
export function templateClient<M extends Message>(
  calls: ClientCalls,
  template: string,
): TemplateClient<M> {
  return {
    template,
    subscribeAll: async (handler, options) =>
      calls.subscribe(template, handler as Handler<Message>, options),
    streamAll: <E extends M['event']>(options?: SubscribeOptions<E>) =>
      calls.stream(template, options) as AsyncIterableIterator<Extract<M, { event: E }>>,
  };
}
