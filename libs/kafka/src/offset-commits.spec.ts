import { Writable } from 'node:stream';
import type { EachBatchPayload } from 'kafkajs';
import { ServiceLogger } from '@seckill/observability';
import { OffsetCommits } from './offset-commits';

function logger(lines: string[]): ServiceLogger {
  return ServiceLogger.create(
    'commits-spec',
    'warn',
    new Writable({
      write: (chunk: Buffer, _encoding, done) => {
        lines.push(chunk.toString());
        done();
      },
    }),
  );
}

type Commit = Parameters<EachBatchPayload['commitOffsetsIfNecessary']>[0];

function payload(requests: Commit[], fail = false): EachBatchPayload {
  return {
    commitOffsetsIfNecessary: async (offsets: Commit) => {
      requests.push(offsets);
      if (fail) throw new Error('not the coordinator');
    },
  } as EachBatchPayload;
}

describe('OffsetCommits', () => {
  it('commits the partitions handled at once in one request, grouped by topic', async () => {
    const requests: Commit[] = [];
    const commits = new OffsetCommits(logger([]));
    const first = payload(requests);
    await Promise.all([
      commits.commit(first, 'a', 0, '5'),
      commits.commit(payload(requests), 'b', 1, '7'),
      commits.commit(payload(requests), 'a', 2, '9'),
    ]);
    expect(requests).toEqual([
      {
        topics: [
          {
            topic: 'a',
            partitions: [
              { partition: 0, offset: '5' },
              { partition: 2, offset: '9' },
            ],
          },
          { topic: 'b', partitions: [{ partition: 1, offset: '7' }] },
        ],
      },
    ]);
  });

  it('logs a failed commit instead of failing the batch', async () => {
    const lines: string[] = [];
    const commits = new OffsetCommits(logger(lines));
    await expect(commits.commit(payload([], true), 'a', 0, '5')).resolves.toBeUndefined();
    await new Promise((resolve) => setImmediate(resolve));
    expect(lines.join('')).toContain('offset commit failed');
  });
});
