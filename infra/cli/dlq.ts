/**
 * npm run dlq -- list [--limit N] | show <id> | redrive <topic> [--group G] [--dry-run] | --help
 *
 * Inspects the dead-letter topic and re-drives dead letters to the topic they came from.
 */
import { randomUUID } from 'node:crypto';
import { type IHeaders, Kafka, type KafkaMessage, logLevel } from 'kafkajs';
import { Topic, TOPIC_CATALOGUE } from '@seckill/contracts';
import { DLQ_HEADER, EventPublisher, type OutgoingRecord } from '@seckill/kafka';
import { fetchTopicOffsets } from '../local/group-lag';
import { renderTable } from '../local/shop/table';
import {
  UsageError,
  command,
  custom,
  flag,
  int,
  lineLogger,
  parseCommandLine,
  runCommandLine,
  text,
} from './command-line';

export const DEFAULT_BROKERS = '127.0.0.1:9092';
const DEFAULT_LIMIT = 50;

/**
 * How a redrive is remembered: after a dead letter is re-published, a marker record goes to the
 * dead-letter topic itself, naming it. The log is the record: a later redrive (or list) sees the
 * marker and skips the dead letter, whatever filters either run used. Markers carry no value and
 * are never shown as dead letters.
 */
export const REDRIVE_HEADER = {
  of: 'dlq-redrive-of',
  to: 'dlq-redriven-to',
  at: 'dlq-redriven-at',
} as const;

interface Connection {
  readonly topic: string;
  readonly brokers: readonly string[];
}

/** The command line; the defaults of --topic and --brokers come from `env`. */
export function dlqCli(env: NodeJS.ProcessEnv = process.env) {
  const connectionOptions = {
    topic: custom('<name>', env.DLQ_TOPIC ?? Topic.DeadLetter, 'the dead-letter topic', (t) => t, {
      shownDefault: `$DLQ_TOPIC or ${Topic.DeadLetter}`,
    }),
    brokers: custom('<list>', env.KAFKA_BROKERS ?? DEFAULT_BROKERS, 'host:port,...', (t) => t, {
      shownDefault: `$KAFKA_BROKERS or ${DEFAULT_BROKERS}`,
    }),
  };
  const connection = (o: { topic: string; brokers: string }): Connection => {
    const brokers = o.brokers
      .split(',')
      .map((b) => b.trim())
      .filter(Boolean);
    if (brokers.length === 0) throw new UsageError('--brokers needs host:port,...');
    return { topic: o.topic, brokers };
  };
  const one = (name: string, what: string, positional: readonly string[]): string => {
    if (positional.length !== 1)
      throw new UsageError(
        `"${name}" takes ${what}, got ${positional.length ? positional.join(' ') : 'nothing'}`,
      );
    return positional[0];
  };
  return {
    name: 'dlq',
    usage: 'npm run dlq -- <command> [options]',
    description: `The dead-letter topic (${Topic.DeadLetter}): events a consumer could not process (undecodable,
no handler, a permanent failure, retries exhausted), with why and where from in dlq-* headers.
A dead letter's id is <partition>:<offset> in the dead-letter topic.`,
    common: connectionOptions,
    commands: {
      list: command({
        summary: `the newest dead letters: id, time, reason, original topic,
consumer group, attempts, status, error`,
        options: {
          ...connectionOptions,
          limit: int(DEFAULT_LIMIT, 'how many', 1, 100_000),
        },
        build: (o) => ({ kind: 'list' as const, limit: o.limit, ...connection(o) }),
      }),
      show: command({
        summary: 'one dead letter: its headers, key and pretty payload',
        args: '<id>',
        options: connectionOptions,
        build: (o, positional) => {
          const id = one('show', 'one id (<partition>:<offset>)', positional);
          if (!/^\d+:\d+$/.test(id))
            throw new UsageError(`an id is <partition>:<offset>, e.g. 0:42; got "${id}"`);
          return { kind: 'show' as const, id, ...connection(o) };
        },
      }),
      redrive: command({
        summary: `re-publish the dead letters that came from <topic> (a catalogue topic),
back to <topic>: the original key, value and headers (minus the dlq-* ones).
Each one re-driven is recorded by a marker record on the dead-letter topic,
so a second redrive skips it`,
        args: '<topic>',
        options: {
          ...connectionOptions,
          group: text('<G>', 'only the dead letters of consumer group G'),
          dryRun: flag('only say what would be re-driven'),
        },
        build: (o, positional) => ({
          kind: 'redrive' as const,
          originalTopic: one('redrive', 'one topic', positional),
          group: o.group,
          dryRun: o.dryRun,
          ...connection(o),
        }),
      }),
    },
    footer: `Re-driven events reach every consumer group of <topic> again, with their original event id:
the groups that had processed them already skip them (inbox), the one that failed retries them.
A crash between re-publishing and writing the marker re-publishes that one again next time,
which the inbox makes harmless too. Exit codes: 0 ok, 1 failure, 2 usage / unknown id or topic.`,
  };
}

export type DlqCommand = ReturnType<typeof parseDlqArgs>;

export function parseDlqArgs(argv: readonly string[], env: NodeJS.ProcessEnv = process.env) {
  return parseCommandLine(dlqCli(env), argv);
}

/** A dead letter, or a redrive marker, as read from the dead-letter topic. */
export interface DeadLetter {
  readonly id: string;
  readonly partition: number;
  readonly offset: string;
  readonly message: KafkaMessage;
}

/** An expected failure: one line on stderr, exit 2. */
export class DlqNotFound extends Error {}

export function headerText(message: KafkaMessage, name: string): string | undefined {
  const value = message.headers?.[name];
  const first = Array.isArray(value) ? value[0] : value;
  return first === undefined ? undefined : first.toString();
}

const isMarker = (letter: DeadLetter) =>
  headerText(letter.message, REDRIVE_HEADER.of) !== undefined;

/** Every record of the topic, from its low to its high watermark, in partition order. */
export async function readTopic(kafka: Kafka, topic: string): Promise<DeadLetter[]> {
  const admin = kafka.admin();
  await admin.connect();
  let offsets;
  try {
    offsets = await fetchTopicOffsets(admin, topic);
  } catch (error) {
    const reason = error instanceof Error ? error.message : String(error);
    throw new Error(`cannot read the dead-letter topic ${topic}: ${reason}`, { cause: error });
  } finally {
    await admin.disconnect();
  }
  const remaining = new Map<number, bigint>(); // partition → last offset still to read
  for (const p of offsets) {
    const low = BigInt(p.low);
    const high = BigInt(p.high);
    if (high > low) remaining.set(p.partition, high - 1n);
  }
  const letters: DeadLetter[] = [];
  if (remaining.size === 0) return letters;

  // A group of its own that commits nothing: reading never moves anyone's offsets.
  const groupId = `seckill-dlq-reader-${randomUUID().slice(0, 8)}`;
  const consumer = kafka.consumer({ groupId, maxWaitTimeInMs: 500 });
  await consumer.connect();
  try {
    await consumer.subscribe({ topics: [topic], fromBeginning: true });
    await new Promise<void>((resolve, reject) => {
      consumer
        .run({
          autoCommit: false,
          eachBatch: async ({ batch }) => {
            const last = remaining.get(batch.partition);
            if (last === undefined) return;
            for (const message of batch.messages) {
              if (BigInt(message.offset) > last) break;
              letters.push({
                id: `${batch.partition}:${message.offset}`,
                partition: batch.partition,
                offset: message.offset,
                message,
              });
            }
            // lastOffset() counts records kafkajs does not hand out (control records) too.
            if (!batch.isEmpty() && BigInt(batch.lastOffset()) >= last) {
              remaining.delete(batch.partition);
            }
            if (remaining.size === 0) resolve();
          },
        })
        .catch(reject);
    });
  } finally {
    await consumer.disconnect();
    const cleanup = kafka.admin();
    await cleanup.connect();
    await cleanup.deleteGroups([groupId]).catch(() => undefined);
    await cleanup.disconnect();
  }
  return letters.sort(
    (a, b) => a.partition - b.partition || Number(BigInt(a.offset) - BigInt(b.offset)),
  );
}

/** The dead letters (markers left out) and the ids already re-driven. */
export function splitMarkers(records: readonly DeadLetter[]): {
  letters: DeadLetter[];
  redriven: Set<string>;
} {
  const redriven = new Set<string>();
  for (const record of records) {
    const of = headerText(record.message, REDRIVE_HEADER.of);
    if (of !== undefined) redriven.add(of);
  }
  return { letters: records.filter((r) => !isMarker(r)), redriven };
}

function failedAt(letter: DeadLetter): string {
  return (
    headerText(letter.message, DLQ_HEADER.failedAt) ??
    new Date(Number(letter.message.timestamp)).toISOString()
  );
}

const oneLine = (text: string, max: number) => {
  const flat = text.replace(/\s+/g, ' ').trim();
  return flat.length > max ? `${flat.slice(0, max - 1)}…` : flat;
};

export function formatTable(letters: readonly DeadLetter[], redriven: ReadonlySet<string>): string {
  const header = ['ID', 'TIME', 'REASON', 'TOPIC', 'GROUP', 'ATTEMPTS', 'STATUS', 'ERROR'];
  const rows = letters.map((l) => [
    l.id,
    failedAt(l),
    headerText(l.message, DLQ_HEADER.reason) ?? '-',
    headerText(l.message, DLQ_HEADER.originalTopic) ?? '-',
    headerText(l.message, DLQ_HEADER.consumerGroup) ?? '-',
    headerText(l.message, DLQ_HEADER.attempts) ?? '-',
    redriven.has(l.id) ? 'redriven' : 'dead',
    oneLine(headerText(l.message, DLQ_HEADER.error) ?? '', 60),
  ]);
  return renderTable(header, rows);
}

export function formatShow(letter: DeadLetter, redriven: ReadonlySet<string>): string {
  const { message } = letter;
  const lines = [
    `id:        ${letter.id}`,
    `status:    ${redriven.has(letter.id) ? 'redriven' : 'dead'}`,
    `timestamp: ${new Date(Number(message.timestamp)).toISOString()}`,
    `key:       ${message.key === null ? '(none)' : message.key.toString()}`,
    'headers:',
  ];
  for (const name of Object.keys(message.headers ?? {})) {
    lines.push(`  ${name}: ${headerText(message, name) ?? ''}`);
  }
  lines.push('payload:');
  const text = message.value?.toString('utf8') ?? '(none)';
  let pretty = text;
  try {
    pretty = JSON.stringify(JSON.parse(text), null, 2);
  } catch {
    // not JSON (that may be why it is here): shown as it is
  }
  lines.push(...pretty.split('\n').map((l) => `  ${l}`));
  return lines.join('\n');
}

/** The original record: same topic, key, value, and headers without the dlq-* ones. */
export function originalRecord(letter: DeadLetter, topic: string): OutgoingRecord {
  const headers: IHeaders = {};
  for (const [name, value] of Object.entries(letter.message.headers ?? {})) {
    if (!name.startsWith('dlq-') && value !== undefined) headers[name] = value;
  }
  return {
    topic,
    key: letter.message.key === null ? null : letter.message.key.toString(),
    value: letter.message.value,
    headers,
  };
}

function markerRecord(letter: DeadLetter, dlqTopic: string, to: string): OutgoingRecord {
  return {
    topic: dlqTopic,
    key: null,
    value: null,
    headers: {
      [REDRIVE_HEADER.of]: letter.id,
      [REDRIVE_HEADER.to]: to,
      [REDRIVE_HEADER.at]: new Date().toISOString(),
    },
  };
}

const REDRIVE_BATCH = 100;

/** The topics a redrive may publish to: the catalogue's, but the dead-letter topic. */
const REDRIVABLE: readonly string[] = TOPIC_CATALOGUE.map((t) => t.name).filter(
  (t) => t !== Topic.DeadLetter,
);

export async function runDlq(
  command: Exclude<DlqCommand, { kind: 'help' }>,
  log: (line: string) => void,
  /** Tests re-drive to topics of their own rather than the shop's. */
  known: readonly string[] = REDRIVABLE,
): Promise<number> {
  if (command.kind === 'redrive') {
    if (!known.includes(command.originalTopic)) {
      throw new DlqNotFound(
        `"${command.originalTopic}" is not a topic of the catalogue (${known.join(', ')})`,
      );
    }
  }
  const kafka = new Kafka({
    clientId: 'seckill-dlq',
    brokers: [...command.brokers],
    logLevel: logLevel.NOTHING,
  });
  log(`reading ${command.topic} on ${command.brokers.join(',')} ...`);
  const { letters, redriven } = splitMarkers(await readTopic(kafka, command.topic));

  switch (command.kind) {
    case 'list': {
      const newest = [...letters]
        .sort(
          (a, b) =>
            Number(b.message.timestamp) - Number(a.message.timestamp) ||
            b.partition - a.partition ||
            Number(BigInt(b.offset) - BigInt(a.offset)),
        )
        .slice(0, command.limit);
      const open = letters.filter((l) => !redriven.has(l.id)).length;
      log(`${letters.length} dead letter(s), ${open} not re-driven; the newest ${newest.length}:`);
      if (newest.length > 0) log(formatTable(newest, redriven));
      return 0;
    }
    case 'show': {
      const letter = letters.find((l) => l.id === command.id);
      if (!letter) throw new DlqNotFound(`no dead letter ${command.id} in ${command.topic}`);
      log(formatShow(letter, redriven));
      return 0;
    }
    case 'redrive': {
      const from = letters.filter(
        (l) =>
          headerText(l.message, DLQ_HEADER.originalTopic) === command.originalTopic &&
          (command.group === null ||
            headerText(l.message, DLQ_HEADER.consumerGroup) === command.group),
      );
      const todo = from.filter((l) => !redriven.has(l.id));
      const scope = command.group ? ` of group ${command.group}` : '';
      log(
        `${from.length} dead letter(s) from ${command.originalTopic}${scope}; ` +
          `${from.length - todo.length} already re-driven, ${todo.length} to re-drive`,
      );
      if (todo.length === 0) return 0;
      if (command.dryRun) {
        for (const l of todo) log(`  would re-drive ${l.id} → ${command.originalTopic}`);
        log('dry run: nothing published');
        return 0;
      }
      const publisher = new EventPublisher(kafka);
      try {
        let done = 0;
        for (let i = 0; i < todo.length; i += REDRIVE_BATCH) {
          const batch = todo.slice(i, i + REDRIVE_BATCH);
          // The events first, their markers only once the broker acknowledged them (acks=all).
          await publisher.send(batch.map((l) => originalRecord(l, command.originalTopic)));
          await publisher.send(
            batch.map((l) => markerRecord(l, command.topic, command.originalTopic)),
          );
          done += batch.length;
          for (const l of batch) log(`  re-drove ${l.id} → ${command.originalTopic}`);
          log(`${done}/${todo.length} re-driven`);
        }
      } finally {
        await publisher.disconnect();
      }
      return 0;
    }
  }
}

async function main(argv: readonly string[]): Promise<number> {
  const command = runCommandLine(dlqCli(), argv);
  if (typeof command === 'number') return command;
  try {
    return await runDlq(command, lineLogger());
  } catch (error) {
    if (error instanceof DlqNotFound) {
      process.stderr.write(`dlq: ${error.message}\n`);
      return 2;
    }
    throw error;
  }
}

if (require.main === module) {
  main(process.argv.slice(2)).then(
    (code) => process.exit(code),
    (err: unknown) => {
      process.stderr.write(`dlq: error: ${err instanceof Error ? err.message : String(err)}\n`);
      process.exit(1);
    },
  );
}
