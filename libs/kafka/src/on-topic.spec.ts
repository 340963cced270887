import { orderCreatedPayload } from '@seckill/testing';
import {
  createEvent,
  defineEvent,
  OrderCancelledV1,
  OrderCreatedV1,
  type EnvelopeOf,
  type TopicName,
} from '@seckill/contracts';
import type { HandlerScope, IntegrationEventHandler } from './consumer-runner';
import { onTopic } from './on-topic';

class RecordingHandler implements IntegrationEventHandler<typeof OrderCreatedV1, string> {
  readonly event = OrderCreatedV1;
  readonly calls: [EnvelopeOf<typeof OrderCreatedV1>, HandlerScope<string>][] = [];

  async handle(event: EnvelopeOf<typeof OrderCreatedV1>, scope: HandlerScope<string>) {
    this.calls.push([event, scope]);
  }
}

const elsewhere = defineEvent({ ...OrderCreatedV1, topic: 'it.order.created.x' as TopicName });

describe('onTopic', () => {
  it('consumes the definition given and hands its events to the handler as they are', async () => {
    const handler = new RecordingHandler();
    const moved = onTopic(handler, elsewhere);
    expect(moved.event).toBe(elsewhere);

    const event = createEvent(elsewhere, orderCreatedPayload());
    const scope: HandlerScope<string> = {
      tx: 'tx-1',
      stage: () => undefined,
      outbox: { add: (definition, payload) => createEvent(definition, payload) },
      context: {
        topic: elsewhere.topic,
        partition: 0,
        offset: '7',
        attempt: 1,
        consumerGroup: 'g',
      },
    };
    await moved.handle(event, scope);
    expect(handler.calls).toEqual([[event, scope]]);
  });

  it('refuses a definition of another event or version', () => {
    const handler = new RecordingHandler();
    // @ts-expect-error: order.cancelled is not the handler's event
    expect(() => onTopic(handler, OrderCancelledV1)).toThrow(/only the topic may differ/);
    expect(() => onTopic(handler, { ...elsewhere, version: 2 })).toThrow(
      /order.created v2 on it.order.created.x/,
    );
  });
});
