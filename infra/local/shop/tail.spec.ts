import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { LineSplitter, followFiles, lastLines } from './tail';

describe('LineSplitter', () => {
  it('returns complete lines and keeps the unfinished one for later', () => {
    const s = new LineSplitter();
    expect(s.push('a\nb')).toEqual(['a']);
    expect(s.push('c\r\nd\n')).toEqual(['bc', 'd']);
    expect(s.push('tail')).toEqual([]);
    expect(s.flush()).toEqual(['tail']);
    expect(s.flush()).toEqual([]);
  });
});

describe('log files', () => {
  let dir: string;
  beforeEach(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'shop-tail-'));
  });
  afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

  it('lastLines gives the last n non-empty lines, [] for a missing file', () => {
    const file = path.join(dir, 'a.log');
    fs.writeFileSync(file, 'one\ntwo\n\nthree\nfour\n');
    expect(lastLines(file, 2)).toEqual(['three', 'four']);
    expect(lastLines(file, 10)).toEqual(['one', 'two', 'three', 'four']);
    expect(lastLines(file, 0)).toEqual([]);
    expect(lastLines(path.join(dir, 'missing.log'), 3)).toEqual([]);
  });

  it('lastLines drops the line cut by the read window', () => {
    const file = path.join(dir, 'b.log');
    fs.writeFileSync(file, 'aaaaaaaaaa\nbbb\nccc\n');
    expect(lastLines(file, 10, 10)).toEqual(['bbb', 'ccc']);
  });

  it('follows appends from the current end, waits for files that do not exist yet, restarts after truncation', () => {
    const a = path.join(dir, 'a.log');
    const b = path.join(dir, 'b.log');
    fs.writeFileSync(a, 'old line\n');
    const seen: string[] = [];
    const f = followFiles(
      [
        { name: 'A', file: a },
        { name: 'B', file: b },
      ],
      (name, line) => seen.push(`${name}:${line}`),
      { intervalMs: 60_000 },
    );
    try {
      fs.appendFileSync(a, 'new 1\nnew ');
      f.poll();
      expect(seen).toEqual(['A:new 1']);
      fs.appendFileSync(a, '2\n');
      fs.writeFileSync(b, 'b first\n');
      f.poll();
      expect(seen).toEqual(['A:new 1', 'A:new 2', 'B:b first']);
      fs.writeFileSync(a, 'x\n'); // truncated and rewritten, shorter than before
      f.poll();
      expect(seen.at(-1)).toBe('A:x');
    } finally {
      f.stop();
    }
  });

  it('keeps a multi-byte character split across appends whole', () => {
    const a = path.join(dir, 'u.log');
    fs.writeFileSync(a, '');
    const seen: string[] = [];
    const f = followFiles([{ name: 'U', file: a }], (_, line) => seen.push(line), {
      intervalMs: 60_000,
    });
    try {
      const bytes = Buffer.from('秒杀\n');
      fs.appendFileSync(a, bytes.subarray(0, 2));
      f.poll();
      fs.appendFileSync(a, bytes.subarray(2));
      f.poll();
      expect(seen).toEqual(['秒杀']);
    } finally {
      f.stop();
    }
  });
});
