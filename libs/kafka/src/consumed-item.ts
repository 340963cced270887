/**
 * A fetched message as the runner works with it: decoded against the registry, matched to the
 * group's handler, and placed (its first delivery's coordinates and its attempt, also when it
 * comes back from a retry topic) — or why it cannot be handled at all. Decoding knows nothing of
 * transactions or routing, so it is read and tested on its own.
 */
import type { KafkaMessage } from 'kafkajs';
import { EventEnvelope, EventRegistry } from '@seckill/contracts';
import type { EventOrigin } from './consumer-store';
import type { EventContext, IntegrationEventHandler } from './handler-batch';
import { retryStateOf } from './retry';

/** A message of a chunk, decoded and routed, or why it cannot be. */
export type Item =
  | {
      readonly kind: 'event';
      readonly message: KafkaMessage;
      readonly origin: EventOrigin;
      readonly event: EventEnvelope;
      readonly handler: IntegrationEventHandler;
      readonly context: EventContext;
    }
  | {
      readonly kind: 'undeliverable';
      readonly message: KafkaMessage;
      readonly origin: EventOrigin;
      readonly reason: string;
      readonly detail: string;
    };

export type EventItem = Extract<Item, { kind: 'event' }>;

export class ItemDecoder {
  private readonly handlers = new Map<string, IntegrationEventHandler>();

  constructor(
    private readonly registry: EventRegistry,
    private readonly groupId: string,
    handlers: readonly IntegrationEventHandler[],
    /** Whether `topic` is one of the group's retry topics (whose messages carry retry headers). */
    private readonly isRetryTopic: (topic: string) => boolean,
  ) {
    for (const handler of handlers) {
      const id = EventRegistry.id(handler.event.type, handler.event.version);
      if (this.handlers.has(id)) throw new Error(`two handlers for ${id} in ${groupId}`);
      this.handlers.set(id, handler);
    }
  }

  decode(topic: string, partition: number, message: KafkaMessage): Item {
    const retried = this.isRetryTopic(topic) ? retryStateOf(message, topic, partition) : undefined;
    const origin = retried?.origin ?? { topic, partition, offset: message.offset };
    const decoded = this.registry.decode(message.value);
    if (!decoded.ok) {
      return {
        kind: 'undeliverable',
        message,
        origin,
        reason: decoded.reason,
        detail: decoded.detail,
      };
    }
    const event = decoded.event;
    const handler = this.handlers.get(EventRegistry.id(event.type, event.version));
    if (!handler) {
      // A type or version this group was not built for: an upgrade-ordering mistake, kept for
      // re-drive rather than silently acknowledged.
      const detail = `${this.groupId} has no handler for ${event.type} v${event.version}`;
      return { kind: 'undeliverable', message, origin, reason: 'NO_HANDLER', detail };
    }
    const context: EventContext = {
      ...origin,
      attempt: retried?.attempt ?? 1,
      consumerGroup: this.groupId,
    };
    return { kind: 'event', message, origin, event, handler, context };
  }
}
