import { orderCreatedEvent } from '@seckill/testing';
import { Writable } from 'node:stream';
import type { KafkaMessage } from 'kafkajs';
import { OrderCreatedV1, Topic } from '@seckill/contracts';
import { ServiceLogger } from '@seckill/observability';
import type { EventItem, Item } from './consumed-item';
import { DLQ_HEADER } from './dead-letter';
import { NonRetriableError, RetriableError } from './errors';
import { describeError, FailureRouter, type FailureRoutingOptions } from './failure-routing';
import { RETRY_HEADER } from './retry';

const silent = ServiceLogger.create(
  'routing-spec',
  'fatal',
  new Writable({ write: (_chunk, _encoding, done) => done() }),
);

const event = orderCreatedEvent();

/** An event read at `offset` of a retry topic, first delivered at order.created/2@7. */
function item(attempt: number, headers: KafkaMessage['headers'] = {}): EventItem {
  const origin = { topic: 'order.created', partition: 2, offset: '7' };
  return {
    kind: 'event',
    message: {
      key: Buffer.from('o-1'),
      value: Buffer.from('{}'),
      timestamp: '0',
      attributes: 0,
      offset: '3',
      headers,
    } as KafkaMessage,
    origin,
    event,
    handler: { event: OrderCreatedV1, handle: async () => undefined },
    context: { ...origin, attempt, consumerGroup: 'g' },
  };
}

function router(options: Partial<FailureRoutingOptions> = {}): FailureRouter {
  return new FailureRouter({
    groupId: 'g',
    retryDelaysMs: [1000, 5000],
    clock: () => 10_000,
    logger: silent,
    ...options,
  });
}

describe('FailureRouter', () => {
  it('sends a retriable failure to the retry topic of the delay its attempt waits for', () => {
    const first = router().failureOf(item(1), new RetriableError('db blip'));
    expect(first.result).toBe('retried');
    expect(first.record?.topic).toBe('seckill.retry.g.1s');
    expect(first.record?.headers).toMatchObject({
      [RETRY_HEADER.attempt]: '2',
      [RETRY_HEADER.notBefore]: '11000', // the injected clock + 1 s
      [RETRY_HEADER.originalOffset]: '7',
      [RETRY_HEADER.error]: 'RetriableError: db blip',
    });
    // Any error that is not NonRetriableError is retried.
    expect(router().failureOf(item(2), new Error('bug')).record?.topic).toBe('seckill.retry.g.5s');
  });

  it('dead-letters a failure on the last attempt as RETRIES_EXHAUSTED', () => {
    const outcome = router().failureOf(item(3), new Error('still broken'));
    expect(outcome).toMatchObject({ result: 'dead_lettered', reason: 'RETRIES_EXHAUSTED' });
    expect(outcome.record?.topic).toBe(Topic.DeadLetter);
    expect(outcome.record?.headers).toMatchObject({
      [DLQ_HEADER.attempts]: '3',
      [DLQ_HEADER.error]: 'Error: still broken',
    });
    // No retry steps: the first failure is the last attempt.
    expect(router({ retryDelaysMs: [] }).failureOf(item(1), new Error('x')).reason).toBe(
      'RETRIES_EXHAUSTED',
    );
  });

  it('dead-letters a NonRetriableError at once, with its reason', () => {
    const outcome = router().failureOf(item(1), new NonRetriableError('sold out', 'SOLD_OUT'));
    expect(outcome).toMatchObject({ result: 'dead_lettered', reason: 'SOLD_OUT' });
    expect(outcome.record?.headers).toMatchObject({ [DLQ_HEADER.reason]: 'SOLD_OUT' });
  });

  it('dead-letters with the first delivery’s coordinates and headers, without the retry headers', () => {
    const retried = item(2, { 'event-id': 'e-1', [RETRY_HEADER.attempt]: '2' });
    const outcome = router({ deadLetterTopic: 'it.dlq' }).deadLetterOf(retried, 'X', 'why', 2);
    expect(outcome.record?.topic).toBe('it.dlq');
    const headers = outcome.record?.headers ?? {};
    expect(headers).toMatchObject({
      'event-id': 'e-1',
      [DLQ_HEADER.originalTopic]: 'order.created',
      [DLQ_HEADER.originalPartition]: '2',
      [DLQ_HEADER.originalOffset]: '7',
      [DLQ_HEADER.consumerGroup]: 'g',
    });
    expect(headers[RETRY_HEADER.attempt]).toBeUndefined();
  });

  it('dead-letters an undeliverable message with its reason and no attempts', () => {
    const { message, origin } = item(1);
    const undeliverable: Item = {
      kind: 'undeliverable',
      message,
      origin,
      reason: 'MALFORMED_JSON',
      detail: 'Unexpected token',
    };
    const outcome = router().deadLetterOf(undeliverable, 'MALFORMED_JSON', 'Unexpected token', 0);
    expect(outcome.reason).toBe('MALFORMED_JSON');
    expect(outcome.record?.headers).toMatchObject({ [DLQ_HEADER.attempts]: '0' });
  });
});

describe('describeError', () => {
  it('names an Error by its name and message, anything else as a string', () => {
    expect(describeError(new RetriableError('x'))).toBe('RetriableError: x');
    expect(describeError('plain')).toBe('plain');
  });
});
