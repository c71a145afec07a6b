/**
 * The fixed part of the generated client: its helper types (`EventClient`, `TopicClient`,
 * `RawTopicClient`) and the three generic builders every topic entry is made with. Written out as
 * source, laid out as Biome formats it.
 */
import { doc } from './source.js';

/** The blocks of the fixed part, in module order. */
export const CLIENT_RUNTIME: readonly string[] = [
  `${doc(['Subscription options of one event (the event filter is implied).'])}
export type EventSubscribeOptions = Omit<SubscribeOptions, 'events'>;`,
  `${doc(['Operations on one event of a topic.'])}
export interface EventClient<P, T, E extends string> {
  /** Validates and publishes to every subscriber on every node. */
  publish(params: P, payload: T): Promise<PublishReceipt>;
  /** Like \`publish\`, but the sender's own subscriptions do not receive it. */
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
  /** This event's messages as an async iterator; \`break\` unsubscribes. */
  stream(params: P, options?: EventSubscribeOptions): AsyncIterableIterator<Message<E, T>>;
}`,
  `${doc(['Operations on a whole topic.'])}
export interface TopicClient<P, M extends Message, N extends string> {
  /** The concrete topic for these parameters. */
  topic(params: P): N;
  /** Subscribes to every event of the topic, or to those in \`options.events\`. */
  subscribe<E extends M['event'] = M['event']>(
    params: P,
    handler: Handler<Extract<M, { event: E }>>,
    options?: SubscribeOptions<E>,
  ): Promise<Subscription>;
  /** The topic's messages as an async iterator; \`break\` unsubscribes. */
  stream<E extends M['event'] = M['event']>(
    params: P,
    options?: SubscribeOptions<E>,
  ): AsyncIterableIterator<Extract<M, { event: E }>>;
}`,
  `${doc(['Operations on a raw topic: any event name, any JSON payload, signed but not validated.'])}
export interface RawTopicClient<P, N extends string> extends TopicClient<P, Message, N> {
  /** Publishes an unvalidated (still signed) payload under any event name. */
  publishRaw(params: P, event: string, payload: unknown): Promise<PublishReceipt>;
}`,
  `${doc(["The bus calls behind the typed functions; the client's own signatures carry the types."])}
interface Calls {
  broadcast(topic: string, event: string, payload: unknown): Promise<PublishReceipt>;
  broadcastFrom(
    sender: Subscriber,
    topic: string,
    event: string,
    payload: unknown,
  ): Promise<PublishReceipt>;
  directBroadcast(
    node: string,
    topic: string,
    event: string,
    payload: unknown,
  ): Promise<PublishReceipt>;
  localBroadcast(topic: string, event: string, payload: unknown): Promise<PublishReceipt>;
  broadcastRaw(topic: string, event: string, payload: unknown): Promise<PublishReceipt>;
  subscribe(
    topic: string,
    handler: Handler<Message>,
    options?: SubscribeOptions,
  ): Promise<Subscription>;
  stream(topic: string, options?: SubscribeOptions): AsyncIterableIterator<Message>;
}`,
  `function eventClient<P, T, E extends string>(
  calls: Calls,
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
      calls.subscribe(at(params), (message) => handler(message.payload as T, message.meta), {
        ...options,
        events: [event],
      }),
    stream: (params, options) =>
      calls.stream(at(params), { ...options, events: [event] }) as AsyncIterableIterator<
        Message<E, T>
      >,
  };
}`,
  `function topicClient<P, M extends Message, N extends string>(
  calls: Calls,
  at: (params: P) => N,
): TopicClient<P, M, N> {
  return {
    topic: at,
    subscribe: async (params, handler, options) =>
      calls.subscribe(at(params), handler as Handler<Message>, options),
    stream: <E extends M['event']>(params: P, options?: SubscribeOptions<E>) =>
      calls.stream(at(params), options) as AsyncIterableIterator<Extract<M, { event: E }>>,
  };
}`,
  `function rawTopicClient<P, N extends string>(
  calls: Calls,
  at: (params: P) => N,
): RawTopicClient<P, N> {
  return {
    ...topicClient<P, Message, N>(calls, at),
    publishRaw: async (params, event, payload) => calls.broadcastRaw(at(params), event, payload),
  };
}`,
];
