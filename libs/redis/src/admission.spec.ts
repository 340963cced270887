import {
  ADMISSION_ARGV,
  ADMISSION_KEYS,
  ADMISSION_LUA,
  admissionCall,
  type AdmissionRequest,
  parseAdmissionReply,
} from './admission';
import { orderIndexKey, saleKeys } from './sale-keys';
import { STOCK_CHANNEL } from './stock-channel';

describe('parseAdmissionReply', () => {
  it.each([
    [
      ['ACCEPTED', '1700000000000-0', 4],
      { outcome: 'ACCEPTED', entryId: '1700000000000-0', remainingStock: 4 },
    ],
    [['REPLAYED', '{"orderId":"o-1"}'], { outcome: 'REPLAYED', answer: '{"orderId":"o-1"}' }],
    [['NOT_FOUND'], { outcome: 'NOT_FOUND' }],
    [['DEADLINE_EXCEEDED'], { outcome: 'DEADLINE_EXCEEDED' }],
    [['NOT_OPEN', 'NOT_STARTED'], { outcome: 'NOT_OPEN', reason: 'NOT_STARTED' }],
    [['NOT_OPEN', 'ENDED'], { outcome: 'NOT_OPEN', reason: 'ENDED' }],
    [['SOLD_OUT', 0], { outcome: 'SOLD_OUT' }],
    [['INSUFFICIENT_STOCK', 2], { outcome: 'INSUFFICIENT_STOCK', remainingStock: 2 }],
    [['LIMIT_REACHED', 1, 1], { outcome: 'LIMIT_REACHED', bought: 1, limit: 1 }],
  ])('reads %j', (reply, result) => {
    expect(parseAdmissionReply(reply)).toEqual(result);
  });

  it.each([null, 'OK', [], ['TELEPORTED']])('refuses the unexpected reply %j', (reply) => {
    expect(() => parseAdmissionReply(reply)).toThrow(/unexpected admission/);
  });
});

describe('saleKeys', () => {
  it('puts every key of a sale in one cluster slot ({sale:<id>})', () => {
    const keys = saleKeys('s-1');
    const all = [keys.meta, keys.stock, keys.buyers, keys.orders, keys.outbox];
    all.push(keys.idempotency('u-1', 'k-1'), keys.userOrders('u-1'));
    for (const key of all) expect(key.startsWith('{sale:s-1}:')).toBe(true);
    expect(orderIndexKey('o-1')).toBe('order:o-1');
  });

  it('keeps user ids and idempotency keys apart even when both contain ":"', () => {
    const keys = saleKeys('s-1');
    expect(keys.idempotency('a', 'b:c')).not.toBe(keys.idempotency('a:b', 'c'));
  });
});

describe('the admission script layout', () => {
  const request: AdmissionRequest = {
    saleId: 's-1',
    userId: 'u-1',
    quantity: 3,
    orderId: 'o-1',
    idempotencyKey: 'k-1',
    orderSummary: 'the summary',
    answer: 'the answer',
    record: { topic: 'the topic', key: 'the record key', value: 'the value', headers: { h: 'v' } },
    deadline: 1_700_000_000_000,
    stockChannel: 'the channel',
  };
  // What each named local of the script must hold for that request, written out here rather than
  // derived from admission.ts: every value differs, so a local bound to the wrong position shows.
  const expected: Record<string, string> = {
    metaKey: '{sale:s-1}:meta',
    stockKey: '{sale:s-1}:stock',
    buyersKey: '{sale:s-1}:buyers',
    ordersKey: '{sale:s-1}:orders',
    outboxKey: '{sale:s-1}:outbox',
    answerKey: '{sale:s-1}:idem:u-1|k-1',
    orderIndexKey: 'order:o-1',
    userOrdersKey: '{sale:s-1}:user-orders:u-1',
    userId: 'u-1',
    quantity: '3',
    orderId: 'o-1',
    saleId: 's-1',
    orderSummary: 'the summary',
    answer: 'the answer',
    answerTtlSeconds: '86400',
    hasIdempotencyKey: '1',
    soldOutSignal: '{"saleId":"s-1","soldOut":true}',
    stockChannel: 'the channel',
    recordTopic: 'the topic',
    recordKey: 'the record key',
    recordValue: 'the value',
    recordHeaders: '{"h":"v"}',
    deadline: '1700000000000',
  };

  // `local quantity = tonumber(ARGV[2])`: the prelude's bindings, in the script as Redis gets it.
  const BINDING = /^local (\w+) = (tonumber\()?(KEYS|ARGV)\[(\d+)\]\)?( == '1')?$/;
  const lines = ADMISSION_LUA.split('\n');
  const bindings = lines.flatMap((line) => {
    const match = BINDING.exec(line);
    if (!match) return [];
    const [, name = '', tonumber, table = '', index = '', isTrue] = match;
    const read = tonumber ? 'number' : isTrue ? 'boolean' : 'string';
    return [{ name, table: table as 'KEYS' | 'ARGV', position: Number(index), read }];
  });

  it('binds each named local to the KEYS or ARGV position that holds its value', () => {
    expect(new Set(Object.values(expected)).size).toBe(Object.keys(expected).length);
    const call = admissionCall(request);
    const sent = { KEYS: call.keys, ARGV: call.args };
    expect(bindings.map((b) => b.name).sort()).toEqual(Object.keys(expected).sort());
    for (const { name, table, position } of bindings) {
      expect({ name, value: sent[table][position - 1] }).toEqual({ name, value: expected[name] });
    }
    expect(call.keys).toHaveLength(ADMISSION_KEYS.length);
    expect(call.args).toHaveLength(ADMISSION_ARGV.length);
    expect(bindings.filter((b) => b.table === 'KEYS')).toHaveLength(call.keys.length);
    expect(bindings.filter((b) => b.table === 'ARGV')).toHaveLength(call.args.length);
  });

  it('reads numbers as numbers and the idempotency flag as a boolean', () => {
    const reads = Object.fromEntries(bindings.map((b) => [b.name, b.read]));
    expect(reads).toMatchObject({
      quantity: 'number',
      answerTtlSeconds: 'number',
      deadline: 'number',
      hasIdempotencyKey: 'boolean',
      userId: 'string',
      recordHeaders: 'string',
    });
  });

  it('reads KEYS and ARGV only in the prelude: the body uses the named locals', () => {
    const isCode = (line: string) => line.trim() !== '' && !line.trim().startsWith('--');
    const body = lines.slice(lines.findIndex((line) => isCode(line) && !BINDING.test(line)));
    expect(body.length).toBeGreaterThan(0);
    expect(body.filter((line) => /\b(KEYS|ARGV)\b/.test(line))).toEqual([]);
  });

  it('sends the defaults: no key, no deadline, the stock channel', () => {
    const { keys, args } = admissionCall({
      ...request,
      idempotencyKey: null,
      deadline: null,
      stockChannel: undefined,
    });
    const at = (name: string) => {
      const binding = bindings.find((b) => b.name === name);
      return binding && (binding.table === 'KEYS' ? keys : args)[binding.position - 1];
    };
    expect(at('hasIdempotencyKey')).toBe('0');
    expect(at('answerKey')).toBe('{sale:s-1}:idem:u-1|');
    expect(at('deadline')).toBe('0');
    expect(at('stockChannel')).toBe(STOCK_CHANNEL);
  });
});
