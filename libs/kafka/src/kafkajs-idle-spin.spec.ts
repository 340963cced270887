import { createRequire } from 'node:module';
import { fixKafkajsIdleSpin } from './kafkajs-idle-spin';

interface Queue {
  readonly pending: readonly unknown[];
  push(request: {
    entry: {
      correlationId: number;
      apiKey: number;
      apiName: string;
      apiVersion: number;
      resolve: () => void;
      reject: () => void;
    };
    expectResponse: boolean;
    sendRequest: () => void;
  }): void;
  fulfillRequest(response: { correlationId: number; payload: Buffer; size: number }): void;
  checkPendingRequests(): void;
  destroy(): void;
}

const RequestQueue = createRequire(__filename)('kafkajs/src/network/requestQueue') as new (
  options: object,
) => Queue;
const silent = {
  debug: () => undefined,
  info: () => undefined,
  warn: () => undefined,
  error: () => undefined,
};

function queue(): Queue {
  return new RequestQueue({
    maxInFlightRequests: 1,
    requestTimeout: 30_000,
    enforceRequestTimeout: false,
    clientId: 'test',
    broker: 'localhost:9092',
    logger: silent,
  });
}

const request = (correlationId: number, sent: number[]) => ({
  entry: {
    correlationId,
    apiKey: 1,
    apiName: 'Fetch',
    apiVersion: 11,
    resolve: () => undefined,
    reject: () => undefined,
  },
  expectResponse: true,
  sendRequest: () => sent.push(correlationId),
});

describe('fixKafkajsIdleSpin', () => {
  beforeAll(() => fixKafkajsIdleSpin());
  beforeEach(() => jest.useFakeTimers());
  afterEach(() => jest.useRealTimers());

  it('arms no timer while no request waits (kafkajs 2.2.4 re-arms a 1 ms timer for ever)', () => {
    const q = queue();
    q.checkPendingRequests(); // what every response, timeout and drained queue ends with
    expect(jest.getTimerCount()).toBe(0);
    q.destroy();
  });

  it('still sends a queued request when the one in flight completes, and then arms nothing', () => {
    const q = queue();
    const sent: number[] = [];
    q.push(request(1, sent)); // in flight: the queue's one slot
    q.push(request(2, sent)); // waits
    expect(sent).toEqual([1]);
    expect(q.pending).toHaveLength(1);
    expect(jest.getTimerCount()).toBe(1); // the check of the waiting request

    q.fulfillRequest({ correlationId: 1, payload: Buffer.alloc(0), size: 0 });
    expect(sent).toEqual([1, 2]);
    expect(q.pending).toHaveLength(0);
    jest.runOnlyPendingTimers(); // the armed check finds nothing and arms nothing more
    expect(jest.getTimerCount()).toBe(0);
    q.destroy();
  });

  it('applies once per process', () => {
    expect(fixKafkajsIdleSpin()).toBe(false);
  });
});
