import type { KafkaMessage } from 'kafkajs';
import { UsageError } from './command-line';
import {
  type DeadLetter,
  formatShow,
  formatTable,
  originalRecord,
  parseDlqArgs,
  REDRIVE_HEADER,
  splitMarkers,
} from './dlq';

const env = {};
const local = { topic: 'seckill.dead-letter', brokers: ['127.0.0.1:9092'] };

describe('parseDlqArgs', () => {
  it('parses the commands, with the shop defaults', () => {
    expect(parseDlqArgs(['list'], env)).toEqual({ kind: 'list', limit: 50, ...local });
    expect(parseDlqArgs(['list', '--limit', '5'], env)).toEqual({
      kind: 'list',
      limit: 5,
      ...local,
    });
    expect(parseDlqArgs(['show', '3:17'], env)).toEqual({ kind: 'show', id: '3:17', ...local });
    expect(parseDlqArgs(['redrive', 'order.created'], env)).toEqual({
      kind: 'redrive',
      originalTopic: 'order.created',
      group: null,
      dryRun: false,
      ...local,
    });
    expect(
      parseDlqArgs(['redrive', 'payment.failed', '--group=inventory-service', '--dry-run'], env),
    ).toMatchObject({ group: 'inventory-service', dryRun: true });
  });

  it('takes the topic and brokers from flags, then DLQ_TOPIC / KAFKA_BROKERS', () => {
    const fromEnv = { DLQ_TOPIC: 'it.dlq', KAFKA_BROKERS: 'a:1, b:2' };
    expect(parseDlqArgs(['list'], fromEnv)).toMatchObject({
      topic: 'it.dlq',
      brokers: ['a:1', 'b:2'],
    });
    expect(parseDlqArgs(['list', '--topic', 'x', '--brokers', 'c:3'], fromEnv)).toMatchObject({
      topic: 'x',
      brokers: ['c:3'],
    });
  });

  it('shows help for no arguments, help, -h and --help anywhere', () => {
    for (const argv of [[], ['help'], ['-h'], ['--help'], ['list', '--help']])
      expect(parseDlqArgs(argv, env)).toEqual({ kind: 'help' });
  });

  it.each([
    [['purge'], /unknown command "purge"/],
    [['list', '--limit', '0'], /--limit must be in/],
    [['list', '--limit', 'ten'], /--limit takes an integer/],
    [['list', 'extra'], /takes no arguments/],
    [['show'], /takes one id/],
    [['show', '17'], /<partition>:<offset>/],
    [['redrive'], /takes one topic/],
    [['redrive', 'a', 'b'], /takes one topic/],
    [['list', '--dry-run'], /"list" does not take --dry-run/],
    [['show', '0:1', '--group', 'g'], /"show" does not take --group/],
    [['list', '--bogus'], /^unknown option --bogus$/],
  ])('refuses %j', (argv, message) => {
    expect(() => parseDlqArgs(argv, env)).toThrow(UsageError);
    expect(() => parseDlqArgs(argv, env)).toThrow(message);
  });
});

function letter(
  id: string,
  headers: Record<string, string>,
  value: string | null = '{"a":1}',
): DeadLetter {
  const [partition, offset] = id.split(':') as [string, string];
  const message = {
    key: Buffer.from('order-1'),
    value: value === null ? null : Buffer.from(value),
    timestamp: String(Date.parse('2026-11-25T10:00:00.000Z')),
    offset,
    attributes: 0,
    headers: Object.fromEntries(Object.entries(headers).map(([k, v]) => [k, Buffer.from(v)])),
  } as KafkaMessage;
  return { id, partition: Number(partition), offset, message };
}

const dead = letter('0:7', {
  'event-id': 'e-1',
  'dlq-reason': 'RETRIES_EXHAUSTED',
  'dlq-error': 'Error: database\n  is down',
  'dlq-original-topic': 'order.created',
  'dlq-consumer-group': 'inventory-service',
  'dlq-attempts': '5',
  'dlq-failed-at': '2026-11-25T10:00:01.000Z',
});

describe('the dead letters', () => {
  it('leaves the redrive markers out and remembers what they name', () => {
    const marker = letter('1:0', { [REDRIVE_HEADER.of]: '0:7' }, null);
    const { letters, redriven } = splitMarkers([dead, marker]);
    expect(letters).toEqual([dead]);
    expect([...redriven]).toEqual(['0:7']);
  });

  it('puts one per line in the table, the error on one line', () => {
    expect(formatTable([dead], new Set(['0:7'])).split('\n')).toEqual([
      'ID   TIME                      REASON             TOPIC          GROUP              ATTEMPTS  STATUS    ERROR',
      '0:7  2026-11-25T10:00:01.000Z  RETRIES_EXHAUSTED  order.created  inventory-service  5         redriven  Error: database is down',
    ]);
  });

  it('shows the headers and the payload pretty-printed', () => {
    const text = formatShow(dead, new Set());
    expect(text).toContain('status:    dead');
    expect(text).toContain('key:       order-1');
    expect(text).toContain('  dlq-reason: RETRIES_EXHAUSTED');
    expect(text).toContain('payload:\n  {\n    "a": 1\n  }');
    expect(formatShow(letter('0:8', {}, 'not json'), new Set())).toContain('payload:\n  not json');
  });

  it('re-drives the original key, value and headers, without the dlq-* ones', () => {
    const record = originalRecord(dead, 'order.created');
    expect(record.topic).toBe('order.created');
    expect(record.key).toBe('order-1');
    expect(record.value?.toString()).toBe('{"a":1}');
    expect(Object.keys(record.headers ?? {})).toEqual(['event-id']);
  });
});
