/**
 * Publishing: an envelope becomes a NOTIFY on its channel's server name, through the notifier
 * (notifier.ts) so that publishes keep their order; one over the NOTIFY payload limit goes
 * through the claim check in its place in the same queue.
 */
import { ErrorCode } from '../../errors.js';
import { templateChannel } from '../transport.js';
import { byteLength } from './channels.js';
import { describe } from './sql.js';
import { fail, isLive, notConnected, type PgState, serverName } from './transport-state.js';

/** Publishes `data` on `channel` (and on its template's channel when `template` is given). */
export async function publishOn(
  s: PgState,
  channel: string,
  data: string,
  template: string | undefined,
): Promise<void> {
  const { notifier, claims } = s;
  if (!notifier || !claims || !isLive(s)) throw notConnected(s, 'publish');
  const name = serverName(s, channel);
  // LISTEN has no patterns: a wildcard topic's messages also go to its template's channel.
  const mirror = template === undefined ? undefined : serverName(s, templateChannel(template));
  try {
    const bytes = byteLength(data);
    if (bytes <= s.o.thresholdBytes) {
      await notifier.notify(name, data, bytes, mirror);
    } else {
      // Through the notifier too, so a large message keeps its place in publish order; a
      // claim row belongs to one channel, so a mirror takes a row of its own.
      await notifier.large(name, data, bytes);
      if (mirror !== undefined) await notifier.large(mirror, data, bytes);
      s.counts.claimChecks++;
    }
  } catch (cause) {
    throw fail(
      s,
      ErrorCode.PublishFailed,
      `publish on "${channel}" failed: ${describe(cause)}`,
      cause,
    );
  }
}
