/**
 * mq-architecture (seed 1.1): the live topology. A steady crowd buys through the real load
 * engine (the `steady` scenario, modest: RATE purchases a second for DURATION s) while, every
 * 2 s, the demo reads Kafka and prints what each topic received and what each consumer group
 * handled since the start, with its lag: the order is answered once its event is queued, and
 * every service takes its part from its own topic, asynchronously.
 */
import { TOPIC_CATALOGUE, Topic } from '@seckill/contracts';
import { SHOP_CONSUMER_GROUPS, localKafkaAdmin, repeatEvery } from '../engine/infra';
import { formatTable } from '../bench/stats';
import { runScenario } from '../engine/run';
import steady from '../scenarios/steady';
import { type DemoCheck, type Log, check, defineDemo, errorText } from './demo';
import { engineChecks, engineOptions } from './runs';
import { type TopologySnapshot, readTopology, tickLines, topologyRows } from './topology';

const RATE = 20;
const DURATION_SEC = 15;
const TICK_MS = 2_000;

/** The topics one purchase goes through when it ships: each must have grown. */
export const SAGA_TOPICS: readonly string[] = [
  Topic.OrderCreated,
  Topic.InventoryReserved,
  Topic.PaymentSucceeded,
  Topic.ShipmentCreated,
];

function printTable(log: Log, snapshot: TopologySnapshot, first: TopologySnapshot | null): void {
  const rows = topologyRows(snapshot).map(([topic, messages, readers]) => [
    topic,
    messages,
    first
      ? `+${((snapshot.topics.get(topic) ?? 0) - (first.topics.get(topic) ?? 0)).toLocaleString('en-US')}`
      : '',
    readers,
  ]);
  const header = ['topic', 'messages', first ? 'during the demo' : '', 'read by (consumer groups)'];
  for (const line of formatTable(header, rows).split('\n')) log(`  ${line}`);
}

/** Every saga topic grew, every group consumed, and none is behind at the end. Pure. */
export function topologyChecks(first: TopologySnapshot, last: TopologySnapshot): DemoCheck[] {
  const grew = (topic: string) => (last.topics.get(topic) ?? 0) - (first.topics.get(topic) ?? 0);
  const idle = SAGA_TOPICS.filter((t) => grew(t) <= 0);
  const groups = [...last.groups];
  const stillIdle = groups.filter(([g, p]) => p.read <= (first.groups.get(g)?.read ?? 0));
  const behind = groups.filter(([, p]) => p.lag > 0);
  return [
    check(
      'messages moved through every step of the saga',
      idle.length === 0,
      idle.length === 0
        ? SAGA_TOPICS.map((t) => `${t} +${grew(t)}`).join(', ')
        : `nothing new on ${idle.join(', ')}`,
    ),
    check(
      'every consumer group consumed, asynchronously',
      stillIdle.length === 0,
      stillIdle.length === 0
        ? `${groups.length} groups moved their committed offsets`
        : `${stillIdle.map(([g]) => g).join(', ')} consumed nothing`,
    ),
    check(
      'every group caught up at the end',
      behind.length === 0,
      behind.length === 0
        ? 'lag 0 everywhere'
        : behind.map(([g, p]) => `${g} lag ${p.lag}`).join(', '),
    ),
  ];
}

export default defineDemo({
  name: 'mq-architecture',
  run: async ({ url, log, detail }) => {
    const topics = TOPIC_CATALOGUE.map((t) => t.name);
    const admin = localKafkaAdmin(`demo-mq-architecture-${Date.now().toString(36)}`);
    await admin.connect();
    try {
      const first = await readTopology(admin, topics, SHOP_CONSUMER_GROUPS);
      log('');
      log('the topology, read from Kafka: each topic, the messages it holds, who reads it');
      printTable(log, first, null);
      log('');
      log(
        `a steady crowd: ${RATE} purchases a second for ${DURATION_SEC} s through the load engine ` +
          `(npm run load -- steady --rate ${RATE} --duration ${DURATION_SEC}s); every 2 s, what ` +
          'each topic received and each group handled since the start, and its lag now:',
      );
      const ticker = repeatEvery(TICK_MS, async () => {
        try {
          for (const line of tickLines(
            first,
            await readTopology(admin, topics, SHOP_CONSUMER_GROUPS),
          ))
            log(line);
        } catch (error) {
          log(`  the topology could not be read just now (${errorText(error)})`);
        }
      });
      let report;
      try {
        report = await runScenario(
          steady,
          { ...engineOptions(steady.options, url), rate: RATE, duration: DURATION_SEC, users: 50 },
          detail,
        );
      } finally {
        await ticker.stop();
      }
      const last = await readTopology(admin, topics, SHOP_CONSUMER_GROUPS);
      log('');
      log('the topology after the crowd:');
      printTable(log, last, first);
      return [...topologyChecks(first, last), ...engineChecks(report, 'reported')];
    } finally {
      await admin.disconnect().catch(() => undefined);
    }
  },
});
