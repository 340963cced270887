import { NOT_READ_YET, type Reading, type RoomSnapshot, type TimelineKind } from './room-state';

/**
 * The faults and recoveries one second tells apart from the one before: a service that stops or
 * starts answering ready, a broker that leaves or joins, a store that stops or starts answering.
 * Whatever caused it (a chaos experiment, a demo, a person's kill -9), the page's timeline shows
 * it; a demo adds its own start and end.
 */
export function timelineChanges(
  before: RoomSnapshot,
  after: RoomSnapshot,
): { kind: TimelineKind; text: string }[] {
  const changes: { kind: TimelineKind; text: string }[] = [];
  const was = new Map(before.health.map((h) => [h.service, h]));
  for (const now of after.health) {
    const then = was.get(now.service);
    if (!then || then.ready === now.ready) continue;
    changes.push(
      now.ready
        ? { kind: 'recovery', text: `${now.service} is ready again` }
        : { kind: 'fault', text: `${now.service} is not ready: ${now.detail.slice(0, 160)}` },
    );
  }
  if (before.topology.ok && after.topology.ok) {
    const [b, a] = [before.topology.value.brokers, after.topology.value.brokers];
    if (a.up < b.up)
      changes.push({ kind: 'fault', text: `Kafka: ${a.up} of ${a.expected} brokers up` });
    if (a.up > b.up) {
      changes.push({
        kind: a.up >= a.expected ? 'recovery' : 'fault',
        text: `Kafka: ${a.up} of ${a.expected} brokers up`,
      });
    }
  }
  // A store's first read after the control room started is not a recovery.
  const read = (r: Reading<unknown>) => r.ok || r.error !== NOT_READ_YET;
  const stores: [string, Reading<unknown>, Reading<unknown>][] = [
    ['Kafka', before.lag, after.lag],
    ['PostgreSQL', before.sale, after.sale],
  ];
  for (const [store, then, now] of stores) {
    if (!read(then)) continue;
    if (then.ok && !now.ok) {
      changes.push({ kind: 'fault', text: `${store} does not answer the control room` });
    }
    if (!then.ok && now.ok) changes.push({ kind: 'recovery', text: `${store} answers again` });
  }
  return changes;
}
