import { deadLetters, deadLettersOf, outboxPublished } from './rules-backlog';
import type { DeadLetterRow } from './snapshot';
import { healthySnapshot, ORDER, SALE, withRows } from './testing/healthy-snapshot';
import type { RuleResult } from './verdict';

const messages = (result: RuleResult) => result.violations.map((v) => `${v.subject}: ${v.message}`);

function letter(id: string, orderId: string | null, redriven = false): DeadLetterRow {
  return {
    id,
    reason: 'RETRIES_EXHAUSTED',
    originalTopic: 'inventory.reserved',
    consumerGroup: 'payment-service',
    orderId,
    saleId: orderId === null ? null : SALE,
    error: 'Error: provider down',
    redriven,
  };
}

describe('outboxPublished', () => {
  it('passes when every outbox is empty', () => {
    const result = outboxPublished(healthySnapshot());
    expect(result.verdict).toBe('PASS');
    expect(result.detail).toBe(
      '1 Redis outbox stream(s), 2 Postgres outbox table(s): 0 unpublished',
    );
  });

  it('names the sale whose stream still holds an entry, and the table with unpublished rows', () => {
    const healthy = healthySnapshot();
    const result = outboxPublished(
      withRows(
        healthy,
        'outboxes',
        healthy.outboxes.map((o, i) =>
          i === 2 ? { ...o, unpublished: 3 } : { ...o, unpublished: i },
        ),
      ),
    );
    expect(result.verdict).toBe('FAIL');
    expect(messages(result)).toEqual([
      'seckill_order.outbox_events: 1 entry not published in seckill_order.outbox_events',
      'seckill_inventory.outbox_events: 3 entries not published in seckill_inventory.outbox_events',
    ]);
    const stream = outboxPublished(
      withRows(healthy, 'outboxes', [{ ...healthy.outboxes[0]!, unpublished: 1 }]),
    );
    expect(messages(stream)).toEqual([
      `sale ${SALE}: 1 entry not published in redis {sale:${SALE}}:outbox`,
    ]);
  });
});

describe('deadLetters', () => {
  it('passes with no dead letter, or only re-driven ones', () => {
    expect(deadLetters(healthySnapshot(), []).verdict).toBe('PASS');
    const settled = withRows(healthySnapshot(), 'deadLetters', [
      letter('0:1', ORDER.shipped, true),
    ]);
    const result = deadLetters(settled, []);
    expect(result.verdict).toBe('PASS');
    expect(result.detail).toBe('1 dead letter(s), 1 re-driven, 0 open');
  });

  it('warns, listing them, about open dead letters no unfinished order needs', () => {
    const snapshot = withRows(healthySnapshot(), 'deadLetters', [
      letter('0:1', null),
      letter('0:2', ORDER.shipped),
    ]);
    const result = deadLetters(snapshot, []);
    expect(result.verdict).toBe('WARN');
    expect(messages(result)).toEqual([
      'dead letter 0:1: RETRIES_EXHAUSTED (inventory.reserved → payment-service), no order: Error: provider down',
      `dead letter 0:2: RETRIES_EXHAUSTED (inventory.reserved → payment-service), order ${ORDER.shipped}: Error: provider down`,
    ]);
  });

  it('fails on an open dead letter of an accepted order that is not terminal', () => {
    const healthy = healthySnapshot();
    const snapshot = {
      ...healthy,
      orders: healthy.orders.map((o) =>
        o.orderId === ORDER.shipped ? { ...o, status: 'RESERVED' } : o,
      ),
      deadLetters: [letter('0:1', null), letter('0:2', ORDER.shipped)],
    };
    const result = deadLetters(snapshot, []);
    expect(result.verdict).toBe('FAIL');
    expect(result.detail).toBe(
      '2 dead letter(s), 0 re-driven, 2 open (RETRIES_EXHAUSTED 2); 1 hold a step an order still needs',
    );
    expect(messages(result)[0]).toBe(
      `dead letter 0:2: RETRIES_EXHAUSTED (inventory.reserved → payment-service), order ${ORDER.shipped}: the order still needs it; fix the cause, then npm run dlq -- redrive inventory.reserved`,
    );
  });

  it('fails on an open dead letter of an order another rule names', () => {
    const snapshot = withRows(healthySnapshot(), 'deadLetters', [
      letter('0:3', ORDER.paymentFailed),
    ]);
    const failing: RuleResult = {
      rule: 'stock-agrees',
      verdict: 'FAIL',
      detail: '',
      violations: [{ subject: `order ${ORDER.paymentFailed}`, message: 'never restocked' }],
    };
    expect(deadLetters(snapshot, [failing]).verdict).toBe('FAIL');
  });
});

describe('deadLettersOf', () => {
  it('keeps the dead letters of the sale or of its orders', () => {
    const letters = [
      letter('0:1', null),
      { ...letter('0:2', 'order-elsewhere'), saleId: 'other-sale' },
      { ...letter('0:3', ORDER.shipped), saleId: null },
      letter('0:4', 'order-of-sale'),
    ];
    expect(
      deadLettersOf(letters, new Set([SALE]), new Set([ORDER.shipped])).map((l) => l.id),
    ).toEqual(['0:3', '0:4']);
  });
});
