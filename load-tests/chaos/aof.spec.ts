import { currentIncr, parseManifest } from './aof';

// As Redis 7.0 writes it (.data/redis/appendonlydir/appendonly.aof.manifest).
const MANIFEST = `file appendonly.aof.11.base.rdb seq 11 type b
file appendonly.aof.11.incr.aof seq 11 type i
`;

describe('parseManifest', () => {
  it('reads every file with its sequence and type', () => {
    expect(parseManifest(MANIFEST)).toEqual([
      { name: 'appendonly.aof.11.base.rdb', seq: 11, type: 'base' },
      { name: 'appendonly.aof.11.incr.aof', seq: 11, type: 'incr' },
    ]);
  });

  it('reads a quoted name with spaces and escapes (sdscatrepr)', () => {
    expect(parseManifest('file "my \\"shop\\".aof.3.incr.aof" seq 3 type i\n')).toEqual([
      { name: 'my "shop".aof.3.incr.aof', seq: 3, type: 'incr' },
    ]);
  });

  it('refuses a line it does not understand, rather than guess which file to cut', () => {
    expect(() => parseManifest('file appendonly.aof.1.incr.aof seq one type i')).toThrow(
      /line 1 is not/,
    );
    expect(() => parseManifest('file appendonly.aof.1.incr.aof seq 1 type x')).toThrow();
  });
});

describe('currentIncr', () => {
  it('is the only incremental file of a plain manifest', () => {
    expect(currentIncr(parseManifest(MANIFEST)).name).toBe('appendonly.aof.11.incr.aof');
  });

  it('is the last one when failed rewrites left several, history files aside', () => {
    const files = parseManifest(
      [
        'file appendonly.aof.4.base.rdb seq 4 type b',
        'file appendonly.aof.3.incr.aof seq 3 type h',
        'file appendonly.aof.4.incr.aof seq 4 type i',
        'file appendonly.aof.5.incr.aof seq 5 type i',
        'file appendonly.aof.6.incr.aof seq 6 type i',
      ].join('\n'),
    );
    expect(currentIncr(files)).toEqual({ name: 'appendonly.aof.6.incr.aof', seq: 6, type: 'incr' });
  });

  it('throws when there is none (nothing takes the writes: nothing to cut)', () => {
    expect(() => currentIncr(parseManifest('file appendonly.aof.1.base.rdb seq 1 type b'))).toThrow(
      /no incremental file/,
    );
  });
});
