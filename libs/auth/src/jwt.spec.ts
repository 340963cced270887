import { createHmac } from 'node:crypto';
import { AuthError, bearerToken, JwtCodec, unverifiedSubject } from './jwt';

const SECRET = 'a-test-secret-that-is-long-enough-1234';
const codec = new JwtCodec(SECRET, 60);
const NOW = 1_800_000_000;
const b64 = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url');

function failureOf(fn: () => unknown): string {
  try {
    fn();
  } catch (error) {
    if (error instanceof AuthError) return error.failure;
    throw error;
  }
  throw new Error('expected an AuthError');
}

describe('JwtCodec', () => {
  it('round-trips a principal', () => {
    const token = codec.sign({ userId: 'u-1', role: 'admin' }, NOW);
    expect(codec.verify(token, NOW + 10)).toEqual({ userId: 'u-1', role: 'admin' });
  });

  it('rejects an expired token', () => {
    const token = codec.sign({ userId: 'u-1', role: 'user' }, NOW);
    expect(failureOf(() => codec.verify(token, NOW + 3600))).toBe('EXPIRED');
  });

  it('remembers a verified token, but checks its time window on every use', () => {
    const token = codec.sign({ userId: 'u-9', role: 'user' }, NOW);
    expect(codec.verify(token, NOW)).toEqual({ userId: 'u-9', role: 'user' });
    expect(codec.verify(token, NOW + 30)).toEqual({ userId: 'u-9', role: 'user' });
    expect(failureOf(() => codec.verify(token, NOW + 3600))).toBe('EXPIRED');
    // One byte changed is another token: verified from scratch, and refused.
    const [header, claims, sig] = token.split('.') as [string, string, string];
    const flipped = sig.startsWith('A') ? `B${sig.slice(1)}` : `A${sig.slice(1)}`;
    expect(failureOf(() => codec.verify(`${header}.${claims}.${flipped}`, NOW))).toBe(
      'BAD_SIGNATURE',
    );
  });

  it('rejects a token signed with another key', () => {
    const other = new JwtCodec('another-secret-that-is-long-enough-5678', 60);
    expect(
      failureOf(() => codec.verify(other.sign({ userId: 'u-1', role: 'user' }, NOW), NOW)),
    ).toBe('BAD_SIGNATURE');
  });

  it('rejects alg none, whatever the claims say', () => {
    const token = `${b64({ alg: 'none', typ: 'JWT' })}.${b64({ sub: 'u-1', role: 'admin', iss: 'seckill', exp: NOW + 60 })}.`;
    expect(failureOf(() => codec.verify(token, NOW))).toBe('UNSUPPORTED_ALGORITHM');
    const withSig = `${token}AAAA`;
    expect(failureOf(() => codec.verify(withSig, NOW))).toBe('UNSUPPORTED_ALGORITHM');
  });

  it('rejects another algorithm even when signed with the right secret', () => {
    const header = b64({ alg: 'HS512', typ: 'JWT' });
    const claims = b64({ sub: 'u-1', role: 'admin', iss: 'seckill', exp: NOW + 60 });
    const sig = createHmac('sha512', SECRET).update(`${header}.${claims}`).digest('base64url');
    expect(failureOf(() => codec.verify(`${header}.${claims}.${sig}`, NOW))).toBe(
      'UNSUPPORTED_ALGORITHM',
    );
  });

  it('rejects tampered claims', () => {
    const [header, , sig] = codec.sign({ userId: 'u-1', role: 'user' }, NOW).split('.');
    const forged = b64({ sub: 'u-1', role: 'admin', iss: 'seckill', exp: NOW + 60 });
    expect(failureOf(() => codec.verify(`${header}.${forged}.${sig}`, NOW))).toBe('BAD_SIGNATURE');
  });

  it.each(['', 'a.b', 'a.b.c.d', '!!.??.**'])('rejects the malformed token %j', (token) => {
    expect(failureOf(() => codec.verify(token, NOW))).toBe('MALFORMED_TOKEN');
  });

  it('refuses a short secret', () => {
    expect(() => new JwtCodec('short')).toThrow(/at least 32/);
  });
});

describe('bearerToken', () => {
  it('extracts the token', () => {
    expect(bearerToken('Bearer abc.def.ghi')).toBe('abc.def.ghi');
  });

  it.each([undefined, '', 'Basic abc', 'Bearer', 'Bearer a b'])('rejects %j', (header) => {
    expect(() => bearerToken(header)).toThrow(AuthError);
  });
});

describe('unverifiedSubject', () => {
  it('reads the claimed subject of a well-formed token, signed or not', () => {
    expect(unverifiedSubject(`Bearer ${codec.sign({ userId: 'u-7', role: 'user' }, NOW)}`)).toBe(
      'u-7',
    );
    const forged = new JwtCodec('another-secret-that-is-long-enough-000000');
    expect(unverifiedSubject(`Bearer ${forged.sign({ userId: 'u-8', role: 'user' })}`)).toBe('u-8');
  });

  it.each([
    undefined,
    '',
    'Basic abc',
    'Bearer not-a-token',
    `Bearer x.${Buffer.from('{"sub":"a b"}').toString('base64url')}.y`,
    `Bearer x.${Buffer.from('[1]').toString('base64url')}.y`,
  ])('is null for %j', (header) => {
    expect(unverifiedSubject(header)).toBeNull();
  });
});
