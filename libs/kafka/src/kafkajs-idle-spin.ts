import { createRequire } from 'node:module';

/**
 * kafkajs 2.2.4 (the latest release) keeps every broker connection busy while it is idle:
 * `RequestQueue.scheduleCheckPendingRequests` arms a timer even when no request waits, with a
 * negative delay (`throttledUntil` is -1), so the timer fires after 1 ms and arms the next one,
 * for ever (tulios/kafkajs#1556, #1704; the fix, #1667, is unreleased). Measured here: about 6 %
 * of a core per idle service, a fifth of this 2-core machine for the shop's six services, and the
 * same share taken from a sale's drain.
 *
 * The fix is #1667's: nothing pending, nothing to schedule. A request that cannot be sent at once
 * is queued by `push`, which schedules the check itself; a completed or timed-out request runs the
 * check directly. So no request is left waiting.
 */
interface RequestQueueInternals {
  readonly pending: readonly unknown[];
  scheduleCheckPendingRequests(this: RequestQueueInternals): void;
}

const PATCHED = Symbol.for('seckill.kafkajs.idle-spin-fixed');

/**
 * Applies the fix to kafkajs's RequestQueue, once per process; true if this call applied it.
 * Refuses (throws) if kafkajs no longer has the method it replaces, so an upgrade is noticed.
 */
export function fixKafkajsIdleSpin(): boolean {
  const requireHere = createRequire(__filename);
  const RequestQueue = requireHere('kafkajs/src/network/requestQueue') as {
    prototype: RequestQueueInternals & { [PATCHED]?: true };
  };
  const proto = RequestQueue.prototype;
  if (proto[PATCHED]) return false;
  const schedule = proto.scheduleCheckPendingRequests;
  if (typeof schedule !== 'function') {
    throw new Error(
      'kafkajs RequestQueue has no scheduleCheckPendingRequests: review libs/kafka/src/kafkajs-idle-spin.ts for this kafkajs version',
    );
  }
  proto.scheduleCheckPendingRequests = function scheduleCheckPendingRequests(
    this: RequestQueueInternals,
  ): void {
    if (this.pending.length === 0) return;
    schedule.call(this);
  };
  proto[PATCHED] = true;
  return true;
}
