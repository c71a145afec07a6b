/**
 * Admission of a page's request: who it is (`identify`), whether each topic it names exists,
 * and whether the application allows it (`authorize`, default deny). The first refusal wins
 * and names its topic.
 */
import type { ResolvedTopic } from '../schemas/define.js';
import { type Refusal, refuse } from './refusal.js';
import type { GatewayState } from './state.js';
import type { GatewayAction } from './types.js';

/** The identity of a request, or a 401 refusal. */
export async function identify(
  state: GatewayState,
  request: Request,
  remote: string | undefined,
): Promise<string | Refusal> {
  const identify = state.options.identify;
  if (identify === undefined) return remote ?? 'anonymous';
  const identity = await identify(request);
  if (typeof identity !== 'string' || identity.length === 0) {
    return refuse('unauthenticated', 'the application did not identify this request');
  }
  return identity;
}

/**
 * Resolves a concrete topic against the registry, or a 404 refusal naming it. With `templates`,
 * a topic's template itself (`room:{roomId}`) resolves too, when the topic is declared
 * `wildcard` (docs/templates.md), with no params.
 */
export function resolveTopic(
  state: GatewayState,
  topic: string,
  templates = false,
): ResolvedTopic | Refusal {
  if (templates && topic.includes('{')) {
    const entry = state.bus.registry.entries.find((e) => e.def.template === topic);
    if (entry?.def.wildcard === true) return { entry, topic, params: {} };
    return refuse('unknown_topic', `"${topic}" is not the template of a topic declared wildcard`, {
      topic,
    });
  }
  const resolved = state.bus.registry.resolve(topic);
  if (resolved === undefined) {
    return refuse('unknown_topic', `topic "${topic}" is not declared by this gateway's registry`, {
      topic,
    });
  }
  return resolved;
}

/** Asks the application about each topic; a denial (or a throw) is a 403 naming the topic. */
export async function authorizeAll(
  state: GatewayState,
  request: Request,
  topics: readonly ResolvedTopic[],
  action: GatewayAction,
): Promise<Refusal | undefined> {
  const authorize = state.options.authorize;
  for (const { topic, params } of topics) {
    if (authorize === undefined) {
      return refuse('forbidden', `${action} "${topic}" denied: the gateway has no authorize`, {
        topic,
        reason: 'default deny: pass authorize to createGateway',
      });
    }
    let verdict: Awaited<ReturnType<typeof authorize>>;
    try {
      verdict = await authorize(request, topic, params, action);
    } catch {
      verdict = { allow: false, reason: 'authorize threw' };
    }
    if (verdict === true) continue;
    const reason = typeof verdict === 'object' ? String(verdict.reason) : 'denied';
    return refuse('forbidden', `${action} "${topic}" denied by the application`, {
      topic,
      reason,
    });
  }
  return undefined;
}
