import { Writable } from 'node:stream';
import { runWithCorrelation } from './context';
import { NestLoggerBridge, ServiceLogger } from './logger';

function capture() {
  const lines: Array<Record<string, unknown>> = [];
  const sink = new Writable({
    write(chunk: Buffer, _encoding, done) {
      for (const line of chunk.toString().split('\n').filter(Boolean)) lines.push(JSON.parse(line));
      done();
    },
  });
  return { lines, sink };
}

describe('ServiceLogger', () => {
  it('writes JSON lines with the service name and a readable level', () => {
    const { lines, sink } = capture();
    ServiceLogger.create('inventory-service', 'info', sink).info({ orderId: 'o-1' }, 'reserved');
    expect(lines).toEqual([
      expect.objectContaining({
        service: 'inventory-service',
        level: 'info',
        msg: 'reserved',
        orderId: 'o-1',
      }),
    ]);
  });

  it('adds the correlation id inside a request or event, and only there', async () => {
    const { lines, sink } = capture();
    const logger = ServiceLogger.create('svc', 'info', sink);
    await runWithCorrelation({ correlationId: 'req-7' }, async () => {
      await Promise.resolve();
      logger.info({}, 'inside');
    });
    logger.info({}, 'outside');
    expect(lines[0]).toMatchObject({ msg: 'inside', correlationId: 'req-7' });
    expect(lines[1]).not.toHaveProperty('correlationId');
  });

  it('drops lines below the configured level', () => {
    const { lines, sink } = capture();
    const logger = ServiceLogger.create('svc', 'warn', sink);
    logger.info({}, 'chatty');
    logger.warn({}, 'important');
    expect(lines.map((l) => l.msg)).toEqual(['important']);
  });

  it('routes Nest framework messages with their context', () => {
    const { lines, sink } = capture();
    new NestLoggerBridge(ServiceLogger.create('svc', 'info', sink)).log(
      'Mapped route',
      'RouterExplorer',
    );
    expect(lines[0]).toMatchObject({
      msg: 'Mapped route',
      context: 'RouterExplorer',
      level: 'info',
    });
  });
});
