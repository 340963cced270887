import { orderCreatedPayload } from '@seckill/testing';
import { OrderCreatedV1 } from '@seckill/contracts';
import { type ChunkWriter, type EventContext, HandlerBatch } from './consumer-runner';

const context = (offset: number): EventContext => ({
  topic: 't',
  partition: 0,
  offset: String(offset),
  attempt: 1,
  consumerGroup: 'g',
});

/** A writer that records each call and can refuse one row. */
function recorder(name: string, calls: string[], refuse?: string): ChunkWriter<string, 'tx'> {
  return {
    async write(tx, rows) {
      calls.push(`${name}(${tx}): ${rows.join(',')}`);
      if (refuse && rows.includes(refuse)) throw new Error(`${name} refused ${refuse}`);
    },
  };
}

const payload = orderCreatedPayload();

describe('HandlerBatch', () => {
  it('writes each writer once, its rows in staging order, writers in the order first staged', async () => {
    const calls: string[] = [];
    const readModel = recorder('readModel', calls);
    const restock = recorder('restock', calls);
    const batch = new HandlerBatch<'tx'>('tx');
    batch.scope(context(0), 0).stage(readModel, 'a');
    batch.scope(context(1), 1).stage(readModel, 'b');
    batch.scope(context(1), 1).stage(restock, 'b');
    batch.scope(context(2), 2).stage(readModel, 'c');
    expect(calls).toEqual([]); // nothing is written while handlers run

    await batch.flush();
    expect(calls).toEqual(['readModel(tx): a,b,c', 'restock(tx): b']);
    await batch.flush();
    expect(calls).toHaveLength(2); // flushed rows are not written again
  });

  it('names the first event that staged for a writer that failed, and writes no later writer', async () => {
    const calls: string[] = [];
    const first = recorder('first', calls);
    const second = recorder('second', calls, 'y');
    const third = recorder('third', calls);
    const batch = new HandlerBatch<'tx'>('tx');
    batch.scope(context(0), 0).stage(first, 'x');
    batch.scope(context(1), 1).stage(second, 'w');
    batch.scope(context(2), 2).stage(second, 'y');
    batch.scope(context(3), 3).stage(third, 'z');

    await expect(
      batch.flush((error, index) => new Error(`event ${index}: ${(error as Error).message}`)),
    ).rejects.toThrow('event 1: second refused y');
    expect(calls).toEqual(['first(tx): x', 'second(tx): w,y']);
  });

  it('puts the events a writer adds in the transaction’s outbox, after the handlers’ own', async () => {
    const batch = new HandlerBatch<'tx'>('tx');
    const announcer: ChunkWriter<string, 'tx'> = {
      async write(_tx, rows, outbox) {
        for (const orderId of rows) outbox.add(OrderCreatedV1, { ...payload, orderId });
      },
    };
    batch.scope(context(0), 0).stage(announcer, 'o-2');
    batch.scope(context(1), 1).outbox.add(OrderCreatedV1, payload);
    batch.scope(context(2), 2).stage(announcer, 'o-3');
    expect(batch.outbox.map((e) => e.event.key)).toEqual(['o-1']);

    await batch.flush();
    expect(batch.outbox.map((e) => [e.topic, e.event.key])).toEqual([
      [OrderCreatedV1.topic, 'o-1'],
      [OrderCreatedV1.topic, 'o-2'],
      [OrderCreatedV1.topic, 'o-3'],
    ]);
  });

  it('collects the follow-up events every scope adds, in order', () => {
    const batch = new HandlerBatch<'tx'>('tx');
    const event = batch.scope(context(0), 0).outbox.add(OrderCreatedV1, payload);
    batch.scope(context(1), 1).outbox.add(OrderCreatedV1, { ...payload, orderId: 'o-2' });
    expect(batch.outbox.map((e) => [e.topic, e.event.key])).toEqual([
      [OrderCreatedV1.topic, 'o-1'],
      [OrderCreatedV1.topic, 'o-2'],
    ]);
    expect(batch.outbox[0]?.event).toBe(event);
  });
});
