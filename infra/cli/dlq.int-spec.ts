import { randomUUID } from 'node:crypto';
import { Kafka, type KafkaMessage, logLevel } from 'kafkajs';
import { deadLetterRecord, EventPublisher } from '@seckill/kafka';
import { headerOf, readMessages, testEndpoints, uniqueName } from '@seckill/testing';
import { DlqNotFound, runDlq } from './dlq';

/**
 * `npm run dlq` against the real broker, on a dead-letter topic and original topics of the
 * test's own: dead letters are planted as the consumer runner writes them (deadLetterRecord).
 */
const brokers = [...testEndpoints().kafkaBrokers];
const kafka = new Kafka({ clientId: 'dlq-it', brokers, logLevel: logLevel.NOTHING });
const admin = kafka.admin();
const publisher = new EventPublisher(kafka);
const dlqTopic = uniqueName('it.dead-letter');
const original = uniqueName('it.order.created');
const other = uniqueName('it.payment.failed');
const known = [original, other];

/** The planted dead letters by name; ids are known once they are on the topic. */
const planted: Record<'first' | 'second' | 'elsewhere', { eventId: string; key: string }> = {
  first: { eventId: randomUUID(), key: 'order-1' },
  second: { eventId: randomUUID(), key: 'order-2' },
  elsewhere: { eventId: randomUUID(), key: 'order-3' },
};

function failed(topic: string, group: string, which: keyof typeof planted, offset: string) {
  const { eventId, key } = planted[which];
  const message = {
    key: Buffer.from(key),
    value: Buffer.from(JSON.stringify({ eventId, type: 'order.created', payload: { which } })),
    timestamp: String(Date.now()),
    attributes: 0,
    offset,
    headers: { 'event-id': Buffer.from(eventId), 'correlation-id': Buffer.from(`c-${which}`) },
  } as KafkaMessage;
  return {
    ...deadLetterRecord({
      topic,
      partition: 0,
      message,
      consumerGroup: group,
      reason: 'RETRIES_EXHAUSTED',
      error: `Error: ${which} failed\n    at handler`,
      attempts: 5,
    }),
    topic: dlqTopic,
  };
}

async function run(argv: Parameters<typeof runDlq>[0]): Promise<string> {
  const lines: string[] = [];
  expect(await runDlq(argv, (line) => lines.push(line), known)).toBe(0);
  return lines.join('\n');
}

const connection = { topic: dlqTopic, brokers };
const redrive = (group: string | null, dryRun = false) =>
  run({ kind: 'redrive', originalTopic: original, group, dryRun, ...connection });

async function messageCount(topic: string): Promise<number> {
  const offsets = await admin.fetchTopicOffsets(topic);
  return offsets.reduce((sum, p) => sum + Number(p.high) - Number(p.low), 0);
}

beforeAll(async () => {
  await admin.connect();
  await admin.createTopics({
    waitForLeaders: true,
    topics: [dlqTopic, original, other].map((topic) => ({
      topic,
      numPartitions: 1,
      replicationFactor: 1,
    })),
  });
  await publisher.send([
    failed(original, 'inventory-service', 'first', '10'),
    failed(original, 'notification-service', 'second', '11'),
    failed(other, 'inventory-service', 'elsewhere', '12'),
  ]);
});

afterAll(async () => {
  await publisher.disconnect();
  await admin.deleteTopics({ topics: [dlqTopic, original, other] }).catch(() => undefined);
  await admin.disconnect();
});

it('lists the planted dead letters with their origin, at most --limit of them', async () => {
  const output = await run({ kind: 'list', limit: 50, ...connection });
  expect(output).toContain('3 dead letter(s), 3 not re-driven');
  const rows = output.split('\n').filter((line) => /^0:\d+ /.test(line));
  expect(rows).toHaveLength(3);
  expect(rows.find((r) => r.startsWith('0:0 '))).toMatch(
    new RegExp(
      `RETRIES_EXHAUSTED\\s+${original}\\s+inventory-service\\s+5\\s+dead\\s+Error: first failed at handler`,
    ),
  );
  const limited = await run({ kind: 'list', limit: 1, ...connection });
  expect(limited.split('\n').filter((line) => /^0:\d+ /.test(line))).toHaveLength(1);
});

it('shows one dead letter: headers and the pretty payload', async () => {
  const output = await run({ kind: 'show', id: '0:1', ...connection });
  expect(output).toContain('key:       order-2');
  expect(output).toContain(`  event-id: ${planted.second.eventId}`);
  expect(output).toContain(`  dlq-original-topic: ${original}`);
  expect(output).toContain('  dlq-consumer-group: notification-service');
  expect(output).toContain('    "which": "second"');
  await expect(
    runDlq({ kind: 'show', id: '0:99', ...connection }, () => undefined, known),
  ).rejects.toThrow(new DlqNotFound(`no dead letter 0:99 in ${dlqTopic}`));
});

it('refuses to re-drive to a topic outside the catalogue', async () => {
  await expect(
    runDlq(
      {
        kind: 'redrive',
        originalTopic: 'no.such.topic',
        group: null,
        dryRun: false,
        ...connection,
      },
      () => undefined,
    ),
  ).rejects.toThrow(DlqNotFound);
});

it('re-drives to the original topic once: key, value and headers, without the dlq-* ones', async () => {
  // A dry run publishes nothing.
  expect(await redrive('inventory-service', true)).toContain('would re-drive 0:0');
  expect(await messageCount(original)).toBe(0);

  // Only the group asked for.
  expect(await redrive('inventory-service')).toContain('1 to re-drive');
  expect(await messageCount(original)).toBe(1);
  const [back] = await readMessages(kafka, original, 1);
  expect(back?.key?.toString()).toBe(planted.first.key);
  expect(JSON.parse(back?.value?.toString() ?? '')).toMatchObject({
    eventId: planted.first.eventId,
  });
  expect(headerOf(back!, 'event-id')).toBe(planted.first.eventId);
  expect(headerOf(back!, 'correlation-id')).toBe('c-first');
  expect(Object.keys(back?.headers ?? {}).filter((h) => h.startsWith('dlq-'))).toEqual([]);

  // Then the rest of the topic's: the one already re-driven is skipped.
  const rest = await redrive(null);
  expect(rest).toContain('1 already re-driven, 1 to re-drive');
  expect(rest).toContain('re-drove 0:1');
  expect(await messageCount(original)).toBe(2);

  // A second redrive publishes nothing.
  expect(await redrive(null)).toContain('2 already re-driven, 0 to re-drive');
  expect(await messageCount(original)).toBe(2);
  expect(await messageCount(other)).toBe(0);

  const listed = await run({ kind: 'list', limit: 50, ...connection });
  expect(listed).toContain('3 dead letter(s), 1 not re-driven');
  expect(listed.split('\n').filter((l) => /\bredriven\b/.test(l))).toHaveLength(2);
});
