/**
 * The seed's seven demos, as the control room offers them and `npm run demo -- <name>` runs them
 * (load-tests/demos). Each names the seed's section it shows and says what to watch, in the
 * words of that section. The runs are the real load engine and chaos experiments on the live
 * shop; nothing here is an animation.
 */
export const DEMO_NAMES = [
  'mq-architecture',
  'producer-consumer',
  'decoupling',
  'peak-shaving',
  'reliability',
  'idempotence',
  'mq-comparison',
] as const;
export type DemoName = (typeof DEMO_NAMES)[number];

export interface DemoEntry {
  readonly name: DemoName;
  /** The seed's name for it (`<MQArchitectureDemo />`). */
  readonly seedDemo: string;
  /** The seed's section, as titled there. */
  readonly seedSection: string;
  readonly title: string;
  /** What to watch on the page while it runs. */
  readonly watch: string;
}

export const DEMOS: readonly DemoEntry[] = [
  {
    name: 'mq-architecture',
    seedDemo: 'MQArchitecture',
    seedSection: '1.1 从一个真实案例说起：淘宝订单系统的演进',
    title: 'The live topology',
    watch:
      'The order is answered as soon as its event is in the queue; inventory, payment, ' +
      'logistics and notification each take it from their own topic, asynchronously. Watch the ' +
      'topology: every topic and the groups reading it, the counts growing as a steady crowd buys.',
  },
  {
    name: 'producer-consumer',
    seedDemo: 'ProducerConsumer',
    seedSection: '1.2 消息队列的核心三要素',
    title: "One order's events as they flow",
    watch:
      'Producer, broker, consumer: one purchase is written to the outbox, published, and taken ' +
      'by each consumer, which publishes the next event. The demo prints every event of that ' +
      'one order as it reaches Kafka, with its topic, partition and offset, up to SHIPPED.',
  },
  {
    name: 'decoupling',
    seedDemo: 'Decoupling',
    seedSection: '2.2 解耦方案：引入消息队列作为"中间层"',
    title: 'Payment down, orders still taken',
    watch:
      '"库存挂，消息暂存队列，恢复后消费": payment-service is stopped mid-sale. Purchases keep ' +
      'getting 202, payment-service turns red and its lag grows; after the restart the backlog ' +
      'drains and every order still ends SHIPPED or FAILED.',
  },
  {
    name: 'peak-shaving',
    seedDemo: 'PeakShaving',
    seedSection: '3.2 削峰填谷方案：消息队列作为"蓄水池"',
    title: 'A spike becomes lag, drained at the rate cap',
    watch:
      'The queue is a reservoir: a flash sale arrives all at once, the consumers take it at ' +
      'their rate cap. Watch the arrivals spike, the lag rise and fall, and the stock in Redis ' +
      'move first with PostgreSQL following behind, until both agree.',
  },
  {
    name: 'reliability',
    seedDemo: 'Reliability',
    seedSection: '4.1 消息可靠性：三道防线',
    title: 'A consumer (or a broker) killed mid-sale',
    watch:
      'The three lines of defence: producer acks, broker replication, consumer commits after ' +
      'the work. A consumer is SIGKILLed mid-sale (a broker too, on the 3-broker cluster); ' +
      'watch it drop out of the health panel, its lag grow and drain, and the verifier pass.',
  },
  {
    name: 'idempotence',
    seedDemo: 'Idempotence',
    seedSection: '4.2 如何处理消息重复消费？',
    title: 'A topic replayed from offset 0',
    watch:
      '"同一操作执行多次和执行一次的效果相同": inventory-service is stopped, its group is reset ' +
      'to offset 0 of order.created and it starts again. Its lag jumps to every event ever ' +
      'published and drains; no reservation is made twice, and the verifier passes.',
  },
  {
    name: 'mq-comparison',
    seedDemo: 'MQComparison',
    seedSection: '2.3 解耦的本质：从"直接调用"到"事件驱动"',
    title: 'The synchronous baseline against the event-driven flow',
    watch:
      'The same crowd buys from a sale sold by synchronous calls (the "before" of 2.2) and from ' +
      'one sold through Kafka. Watch the latency percentiles: the synchronous buyer waits for ' +
      'every service; the demo ends with the two side by side.',
  },
];

export function isDemoName(name: string): name is DemoName {
  return (DEMO_NAMES as readonly string[]).includes(name);
}

export function demoEntry(name: DemoName): DemoEntry {
  const entry = DEMOS.find((d) => d.name === name);
  if (!entry) throw new Error(`no demo ${name}`);
  return entry;
}
