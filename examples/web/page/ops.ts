/**
 * The operations panel, fed by the operations broadcaster of every instance (`herald/ops`)
 * through template subscriptions: `health:cluster` says which instances are up and which were
 * lost, `health:node:{node}` gives each one's status, uptime, heap and event-loop delay,
 * `metrics:{component}` its bus counters per window (the rejections by reason are summed here,
 * since the page opened), and `alerts:{severity}` the alerts, one line per alert id with every
 * instance that reported it.
 */
import { append, byId, duration, el, megabytes } from './dom.js';

/** `health:node:{node}` status, the fields the panel shows. */
export interface NodeHealth {
  readonly node: string;
  readonly status: string;
  readonly uptimeSeconds: number;
  readonly memory: { readonly heapUsed: number };
  readonly eventLoopDelayMs?: { readonly p99: number };
  readonly timestamp: string;
}

/** `health:cluster` status, the fields the panel shows. */
export interface ClusterHealth {
  readonly reporter: string;
  readonly nodes?: readonly { readonly node: string; readonly status: string }[];
  readonly lost?: readonly string[];
}

/** `metrics:herald` bus, the fields the panel shows. */
export interface BusMetrics {
  readonly node: string;
  readonly rejected: readonly { readonly reason: string; readonly count: number }[];
}

/** `alerts:{severity}` raised, the fields the panel shows. */
export interface AlertRaised {
  readonly alertId: string;
  readonly type: string;
  readonly severity: string;
  readonly message: string;
  readonly node: string;
}

/** The panel's state and how it redraws. */
export function opsPanel() {
  const health = new Map<string, NodeHealth>();
  const up = new Set<string>();
  const lost = new Set<string>();
  const rejected = new Map<string, number>();
  const alerts = new Map<string, { item: HTMLElement; reporters: Set<string> }>();

  const drawNodes = (): void => {
    const names = [...new Set([...up, ...lost, ...health.keys()])].sort();
    const rows = names.map((node) => {
      const h = health.get(node);
      const status = lost.has(node) ? 'lost' : (h?.status ?? 'joining');
      const row = el('tr', '', { 'data-node': node, 'data-status': status });
      row.append(
        el('td', node),
        el('td', status, { 'data-status': status }),
        el('td', h ? duration(h.uptimeSeconds) : '–'),
        el('td', h ? megabytes(h.memory.heapUsed) : '–'),
        el('td', h?.eventLoopDelayMs ? `${h.eventLoopDelayMs.p99.toFixed(1)} ms` : '–'),
        el('td', h ? new Date(h.timestamp).toLocaleTimeString() : '–'),
      );
      return row;
    });
    byId('nodes')
      .querySelector('tbody')
      ?.replaceChildren(...rows);
    const live = [...up].filter((node) => !lost.has(node));
    const gone = [...lost].sort().join(', ');
    byId('cluster').textContent = `${live.length} up${gone ? `, lost: ${gone}` : ''}`;
  };

  const drawRejections = (): void => {
    const items = [...rejected]
      .sort(([a], [b]) => (a < b ? -1 : 1))
      .map(([reason, count]) =>
        el('li', `${reason}: ${count}`, { 'data-reason': reason, 'data-count': String(count) }),
      );
    byId('rejections').replaceChildren(...items);
  };

  return {
    /** The instances the page's own instance knows, before the first cluster report. */
    seed(nodes: readonly string[], gone: readonly string[]): void {
      for (const node of nodes) up.add(node);
      for (const node of gone) lost.add(node);
      drawNodes();
    },
    cluster(report: ClusterHealth): void {
      up.clear();
      for (const { node } of report.nodes ?? []) up.add(node);
      lost.clear();
      for (const node of report.lost ?? []) lost.add(node);
      drawNodes();
    },
    node(report: NodeHealth): void {
      health.set(report.node, report);
      drawNodes();
    },
    metrics(report: BusMetrics): void {
      for (const { reason, count } of report.rejected) {
        rejected.set(reason, (rejected.get(reason) ?? 0) + count);
      }
      if (report.rejected.length > 0) drawRejections();
    },
    alert(raised: AlertRaised): void {
      let entry = alerts.get(raised.alertId);
      if (entry === undefined) {
        const item = el('li', '', { 'data-severity': raised.severity, 'data-type': raised.type });
        entry = { item, reporters: new Set() };
        alerts.set(raised.alertId, entry);
        append(byId('alerts'), item, 50);
      }
      entry.reporters.add(raised.node);
      entry.item.textContent = `${raised.severity} ${raised.type}: ${raised.message} (reported by ${[...entry.reporters].sort().join(', ')})`;
    },
  };
}
