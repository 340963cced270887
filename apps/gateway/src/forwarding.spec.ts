import { forwardedHeaders, isSoldOutAnswer, relayedHeaders } from './forwarding';

const TRACEPARENT = '00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01';

describe('forwardedHeaders', () => {
  it('passes the token, the idempotency key, the trace context and our request id', () => {
    const headers = forwardedHeaders(
      {
        authorization: 'Bearer abc',
        'idempotency-key': 'k-1',
        traceparent: TRACEPARENT,
        'content-type': 'application/json; charset=utf-8',
        cookie: 'session=1',
        'x-forwarded-for': '10.0.0.1',
        'x-request-id': 'client-chosen',
        host: 'gateway',
        connection: 'close',
      },
      'req-1',
      true,
    );
    expect(headers).toEqual({
      authorization: 'Bearer abc',
      'idempotency-key': 'k-1',
      traceparent: TRACEPARENT,
      'content-type': 'application/json',
      'x-request-id': 'req-1',
    });
  });

  it('sends no content type without a body and drops a malformed traceparent', () => {
    expect(forwardedHeaders({ traceparent: 'garbage' }, 'req-2', false)).toEqual({
      'x-request-id': 'req-2',
    });
  });
});

describe('relayedHeaders', () => {
  it('keeps what means something to the client, nothing else', () => {
    expect(
      relayedHeaders({
        'content-type': 'application/problem+json',
        location: '/api/orders/o-1',
        'retry-after': '2',
        'set-cookie': ['a=1'],
        'x-powered-by': 'order-service',
        'content-length': '12',
        connection: 'keep-alive',
      }),
    ).toEqual({
      'content-type': 'application/problem+json',
      location: '/api/orders/o-1',
      'retry-after': '2',
    });
  });
});

describe('isSoldOutAnswer', () => {
  const answer = (status: number, body: string) => ({
    status,
    headers: {},
    body: Buffer.from(body),
  });

  it('recognises a 409 SOLD_OUT problem', () => {
    expect(isSoldOutAnswer(answer(409, '{"status":409,"code":"SOLD_OUT"}'))).toBe(true);
  });

  it('does not take it from a sale of the synchronous baseline (no stock channel, no replay record)', () => {
    const sync = { ...answer(409, '{"code":"SOLD_OUT"}'), headers: { 'x-seckill-flow': 'sync' } };
    expect(isSoldOutAnswer(sync)).toBe(false);
  });

  it.each([
    ['another conflict', 409, '{"code":"LIMIT_REACHED"}'],
    ['fewer units left than asked (still selling)', 409, '{"code":"INSUFFICIENT_STOCK"}'],
    ['another status', 404, '{"code":"SOLD_OUT"}'],
    ['a body that is not JSON', 409, 'sold out'],
    ['a JSON null', 409, 'null'],
  ])('does not mistake %s for it', (_label, status, body) => {
    expect(isSoldOutAnswer(answer(status, body))).toBe(false);
  });
});
