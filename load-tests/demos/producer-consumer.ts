/**
 * producer-consumer (seed 1.2): one purchase, followed through Kafka. A consumer group of the
 * demo's own (unique, committing nothing, deleted afterwards, so no group of the shop moves)
 * reads every catalogue topic from its log end; one buyer with a dev token buys one unit of a
 * fresh sale through the gateway, and every event of that order is printed as it arrives, with
 * its topic, partition, offset and the ms since the purchase, up to shipment.created and
 * notification-service's commit past it. Then, per event, the shop's groups that consumed it.
 * A declined payment (5% of them, by design) ends the order FAILED: the demo buys again.
 */
import { randomUUID } from 'node:crypto';
import { type Consumer, Kafka, logLevel } from 'kafkajs';
import { ConsumerGroup, TOPIC_CATALOGUE, Topic } from '@seckill/contracts';
import {
  type GroupCommits,
  SHOP_CONSUMER_GROUPS,
  localKafkaAdmin,
  localTarget,
  readCommits,
  readEnds,
  renderReport,
  verify,
} from '../engine/infra';
import { ShopApi } from '../bench/shop-api';
import { formatTable } from '../bench/stats';
import { isAcceptedStatus } from '../engine/outcomes';
import { Buyers, openSale } from '../engine/shop';
import { type DemoCheck, check, defineDemo, pause } from './demo';
import {
  type SeenEvent,
  consumedBy,
  endOf,
  eventLine,
  orderIdOf,
  producerOf,
  typeOf,
} from './order-events';

const ATTEMPTS = 3;
const ORDER_TIMEOUT_MS = 30_000;
const JOIN_TIMEOUT_MS = 20_000;
const NOTIFICATION_TIMEOUT_MS = 15_000;

/** What the reader has seen, by order id; the demo's order is known only once the 202 is back. */
class EventBook {
  private readonly byOrder = new Map<string, SeenEvent[]>();
  private listener: ((event: SeenEvent) => void) | null = null;
  private watched: string | null = null;

  add(event: SeenEvent): void {
    if (event.orderId === null) return;
    const list = this.byOrder.get(event.orderId) ?? [];
    list.push(event);
    this.byOrder.set(event.orderId, list);
    if (event.orderId === this.watched) this.listener?.(event);
  }

  /** Calls `listener` with every event of `orderId` seen so far, then with each new one. */
  follow(orderId: string, listener: (event: SeenEvent) => void): void {
    this.watched = orderId;
    this.listener = listener;
    for (const e of this.of(orderId)) listener(e);
  }

  of(orderId: string): readonly SeenEvent[] {
    return this.byOrder.get(orderId) ?? [];
  }
}

async function joined(consumer: Consumer, timeoutMs: number): Promise<boolean> {
  return new Promise((resolve) => {
    const timer = setTimeout(() => resolve(false), timeoutMs);
    consumer.on(consumer.events.GROUP_JOIN, () => {
      clearTimeout(timer);
      resolve(true);
    });
  });
}

export default defineDemo({
  name: 'producer-consumer',
  run: async ({ url, log, detail, stopping }) => {
    const checks: DemoCheck[] = [];
    const runKey = `D${Date.now().toString(36)}`;
    const api = new ShopApi(url);
    const buyers = new Buyers(api, runKey, detail);
    log('');
    log('setup: a fresh sale, three buyers with dev tokens');
    const adminToken = await api.devToken(`${runKey}-admin`, 'admin');
    const sale = await openSale(
      api,
      adminToken,
      { name: `demo producer-consumer ${runKey}`, stock: 10, perUserLimit: 1 },
      detail,
    );
    await buyers.ensure(ATTEMPTS);

    const topics = TOPIC_CATALOGUE.map((t) => t.name);
    const groupId = `seckill-demo-reader-${randomUUID().slice(0, 8)}`;
    const admin = localKafkaAdmin(`${groupId}-admin`);
    await admin.connect();
    const kafka = new Kafka({
      clientId: groupId,
      brokers: [...localTarget().kafkaBrokers],
      logLevel: logLevel.NOTHING,
    });
    const consumer = kafka.consumer({ groupId, maxWaitTimeInMs: 100 });
    const book = new EventBook();
    try {
      // The reader starts at every partition's end as it is now, read before the purchase: a
      // seek to it, so nothing published from here on is missed however long the join takes.
      // (admin.setOffsets would join a consumer per topic first: seconds each.)
      const ends = await readEnds(admin, topics);
      log(
        `a consumer group of the demo's own, ${groupId}, reads all ${topics.length} catalogue ` +
          'topics from their log ends (it commits nothing and is deleted at the end)',
      );
      await consumer.connect();
      const join = joined(consumer, JOIN_TIMEOUT_MS);
      await consumer.subscribe({ topics });
      await consumer.run({
        autoCommit: false,
        eachMessage: async ({ topic, partition, message }) => {
          const key = message.key?.toString() ?? null;
          const value = message.value?.toString() ?? null;
          book.add({
            topic,
            partition,
            offset: BigInt(message.offset),
            timestampMs: Number(message.timestamp),
            type: typeOf(value),
            orderId: orderIdOf(topic, key, value),
          });
        },
      });
      for (const [topic, partitions] of ends)
        for (const [partition, { high }] of partitions)
          consumer.seek({ topic, partition, offset: high.toString() });
      if (!(await join))
        log('  (the reader has not joined yet; it will catch up from its offsets)');

      let shipped: { orderId: string; events: readonly SeenEvent[] } | null = null;
      for (let attempt = 0; attempt < ATTEMPTS && !shipped && !stopping.aborted; attempt++) {
        log('');
        const purchasedAtMs = Date.now();
        const answer = await api.placeOrder(buyers.token(attempt), sale.id, `${runKey}.${attempt}`);
        const answeredMs = Date.now() - purchasedAtMs;
        const orderId = isAcceptedStatus(answer.status) ? parseOrderId(answer.text) : null;
        if (orderId === null) {
          checks.push(
            check(
              'the purchase was accepted',
              false,
              `HTTP ${answer.status} ${answer.text.slice(0, 200)}`,
            ),
          );
          return checks;
        }
        log(
          `producer: POST /api/sales/${sale.id}/orders answered ${answer.status} in ${answeredMs} ms: order ` +
            `${orderId}. The buyer is done; the rest happens in Kafka:`,
        );
        let last = purchasedAtMs;
        book.follow(orderId, (event) => {
          last = Date.now();
          log(`  ${eventLine(event, purchasedAtMs)}`);
        });
        const deadline = purchasedAtMs + ORDER_TIMEOUT_MS;
        while (endOf(book.of(orderId)) === null && Date.now() < deadline && !stopping.aborted)
          await pause(100, stopping);
        const end = endOf(book.of(orderId));
        if (end === null) {
          checks.push(
            check(
              'the order reached its end in Kafka',
              false,
              `no shipment.created nor release within ${ORDER_TIMEOUT_MS / 1000} s (last event ${((last - purchasedAtMs) / 1000).toFixed(1)} s in)`,
            ),
          );
          break;
        }
        if (end === 'SHIPPED') shipped = { orderId, events: book.of(orderId) };
        else
          log(
            '  the payment was declined (the simulated provider declines a few on purpose), the ' +
              'units went back: buying again',
          );
      }
      if (!shipped) {
        if (checks.length === 0)
          checks.push(
            check('one order shipped', false, `no order shipped in ${ATTEMPTS} purchases`),
          );
        return checks;
      }

      // The consumer side: notification-service is the last to take the order (shipment.created).
      const shipment = shipped.events.find((e) => e.topic === Topic.ShipmentCreated);
      let notified = false;
      const until = Date.now() + NOTIFICATION_TIMEOUT_MS;
      while (shipment && !notified && Date.now() < until && !stopping.aborted) {
        const commits = await readCommits(admin, ConsumerGroup.Notification, [shipment.topic]);
        notified =
          consumedBy(
            shipment,
            new Map([['n', commits.get(shipment.topic)?.get(shipment.partition)]]),
          ).length > 0;
        if (!notified) await pause(200, stopping);
      }
      log(
        notified
          ? `  notification-service committed past shipment.created offset ${shipment?.offset}: the buyer was told`
          : '  notification-service has not committed past shipment.created yet',
      );

      log('');
      log('the same events, with the groups of the shop that consumed each (committed past it):');
      const commitsByGroup = new Map<string, GroupCommits>(
        await Promise.all(
          SHOP_CONSUMER_GROUPS.map(async (g) => [g, await readCommits(admin, g)] as const),
        ),
      );
      const rows = shipped.events.map((e) => [
        e.topic,
        String(e.partition),
        e.offset.toString(),
        producerOf(e.topic),
        consumedBy(
          e,
          new Map(
            [...commitsByGroup].map(([g, c]) => [g, c.get(e.topic)?.get(e.partition)] as const),
          ),
        ).join(', ') || '-',
      ]);
      for (const line of formatTable(
        ['topic', 'partition', 'offset', 'produced by', 'consumed by'],
        rows,
      ).split('\n'))
        log(`  ${line}`);

      const seen = new Set(shipped.events.map((e) => e.topic));
      const path = [
        Topic.OrderCreated,
        Topic.InventoryReserved,
        Topic.PaymentSucceeded,
        Topic.ShipmentCreated,
      ];
      const missing = path.filter((t) => !seen.has(t));
      checks.push(
        check(
          "one order's events flowed, producer to broker to consumer",
          missing.length === 0,
          missing.length === 0
            ? `${path.join(' → ')} in ${(Math.max(...shipped.events.map((e) => e.timestampMs)) - Math.min(...shipped.events.map((e) => e.timestampMs))).toLocaleString('en-US')} ms`
            : `missing ${missing.join(', ')}`,
        ),
        check(
          'notification-service consumed the shipment',
          notified,
          notified ? 'its committed offset is past shipment.created' : 'not within 15 s',
        ),
      );
    } finally {
      await consumer.disconnect().catch(() => undefined);
      await admin.deleteGroups([groupId]).catch(() => undefined);
      await admin.disconnect().catch(() => undefined);
    }

    log('');
    log(`verify: the sale's invariants (npm run verify -- --sale ${sale.id})`);
    const verified = await verify(localTarget(), { saleId: sale.id, timeoutMs: 30_000 }, detail);
    for (const line of renderReport(verified).split('\n')) detail(line);
    checks.push(check('the verifier', verified.ok, `${verified.orders} orders of sale ${sale.id}`));
    return checks;
  },
});

function parseOrderId(text: string): string | null {
  try {
    const body: unknown = JSON.parse(text);
    if (body && typeof body === 'object' && 'orderId' in body && typeof body.orderId === 'string')
      return body.orderId;
  } catch {
    // not JSON
  }
  return null;
}
