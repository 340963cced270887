import type { EventDefinition } from '@seckill/contracts';
import type { IntegrationEventHandler } from './consumer-runner';

/**
 * `handler`, consuming `definition` instead of its own event: the same type, version and
 * payload schema on another topic. For tests and tools that replay a handler on another topic.
 */
export function onTopic<TType extends string, TPayload, Tx>(
  handler: IntegrationEventHandler<EventDefinition<TType, TPayload>, Tx>,
  definition: EventDefinition<TType, TPayload>,
): IntegrationEventHandler<EventDefinition<TType, TPayload>, Tx> {
  const own = handler.event;
  // The types let a look-alike through (a payload of the same shape); the runner would then
  // hand the handler events it was never written for.
  if (
    definition.type !== own.type ||
    definition.version !== own.version ||
    definition.payload !== own.payload
  ) {
    throw new Error(
      `${definition.type} v${definition.version} on ${definition.topic} is not the event of the ` +
        `handler (${own.type} v${own.version}): only the topic may differ`,
    );
  }
  return { event: definition, handle: (event, scope) => handler.handle(event, scope) };
}
