import { createHmac, timingSafeEqual } from 'node:crypto';
import { z } from 'zod';

/**
 * HS256 JSON Web Tokens, verified with the algorithm pinned: the header's `alg` is checked,
 * never trusted, so `alg: none` or a token signed with another key or algorithm is rejected.
 * The user id of every request comes from here, never from a body or a header.
 */
export type Role = 'user' | 'admin';

export interface Principal {
  readonly userId: string;
  readonly role: Role;
}

export type AuthFailure =
  | 'MISSING_TOKEN'
  | 'MALFORMED_TOKEN'
  | 'UNSUPPORTED_ALGORITHM'
  | 'BAD_SIGNATURE'
  | 'EXPIRED'
  | 'NOT_YET_VALID'
  | 'INVALID_CLAIMS';

export class AuthError extends Error {
  override readonly name = 'AuthError';
  constructor(
    readonly failure: AuthFailure,
    message: string,
  ) {
    super(message);
  }
}

export const TOKEN_ISSUER = 'seckill';
/** Clock skew tolerated between the issuer and this verifier. */
const LEEWAY_SECONDS = 5;

const headerSchema = z.object({ alg: z.string(), typ: z.string().optional() });
const claimsSchema = z.object({
  sub: z.string().regex(/^[A-Za-z0-9._:-]{1,64}$/),
  role: z.enum(['user', 'admin']),
  iss: z.literal(TOKEN_ISSUER),
  exp: z.number().int(),
  iat: z.number().int().optional(),
  nbf: z.number().int().optional(),
});

function base64url(input: Buffer | string): string {
  return Buffer.from(input).toString('base64url');
}

function decodeJson(part: string): unknown {
  if (!/^[A-Za-z0-9_-]+$/.test(part))
    throw new AuthError('MALFORMED_TOKEN', 'token is not base64url');
  try {
    return JSON.parse(Buffer.from(part, 'base64url').toString('utf8'));
  } catch {
    throw new AuthError('MALFORMED_TOKEN', 'token part is not JSON');
  }
}

/** A token verified before: whom it names, and the window in which it is valid. */
interface Verified {
  readonly principal: Principal;
  readonly exp: number;
  readonly nbf: number | undefined;
}

/** Tokens whose verification is remembered; beyond it the oldest is forgotten first. */
const VERIFIED_CACHE_SIZE = 10_000;

export class JwtCodec {
  private readonly key: Buffer;
  /**
   * A buyer in a crowd sends the same token again and again: its signature and claims are
   * checked once, and afterwards only its time window (which does change). Keyed by the whole
   * token, so a token that differs in any byte is verified from scratch.
   */
  private readonly verified = new Map<string, Verified>();

  constructor(
    secret: string,
    private readonly ttlSeconds = 3600,
  ) {
    if (secret.length < 32) throw new Error('JWT secret must be at least 32 characters');
    this.key = Buffer.from(secret, 'utf8');
  }

  sign(principal: Principal, nowSeconds = Math.floor(Date.now() / 1000)): string {
    const header = base64url(JSON.stringify({ alg: 'HS256', typ: 'JWT' }));
    const claims = base64url(
      JSON.stringify({
        sub: principal.userId,
        role: principal.role,
        iss: TOKEN_ISSUER,
        iat: nowSeconds,
        exp: nowSeconds + this.ttlSeconds,
      }),
    );
    return `${header}.${claims}.${this.signature(`${header}.${claims}`)}`;
  }

  verify(token: string, nowSeconds = Math.floor(Date.now() / 1000)): Principal {
    const known = this.verified.get(token) ?? this.verifyFully(token);
    if (known.exp + LEEWAY_SECONDS <= nowSeconds) {
      throw new AuthError('EXPIRED', 'token has expired');
    }
    if (known.nbf !== undefined && known.nbf - LEEWAY_SECONDS > nowSeconds) {
      throw new AuthError('NOT_YET_VALID', 'token is not valid yet');
    }
    return known.principal;
  }

  /** Signature and claims; the result is remembered (time is checked on every use). */
  private verifyFully(token: string): Verified {
    const parts = token.split('.');
    if (parts.length !== 3) throw new AuthError('MALFORMED_TOKEN', 'token must have three parts');
    const [headerPart, claimsPart, signaturePart] = parts as [string, string, string];
    const header = headerSchema.safeParse(decodeJson(headerPart));
    if (!header.success) throw new AuthError('MALFORMED_TOKEN', 'token header is invalid');
    if (header.data.alg !== 'HS256') {
      throw new AuthError('UNSUPPORTED_ALGORITHM', `algorithm ${header.data.alg} is not accepted`);
    }
    const expected = Buffer.from(this.signature(`${headerPart}.${claimsPart}`), 'base64url');
    const given = Buffer.from(signaturePart, 'base64url');
    if (given.length !== expected.length || !timingSafeEqual(given, expected)) {
      throw new AuthError('BAD_SIGNATURE', 'token signature does not match');
    }
    const claims = claimsSchema.safeParse(decodeJson(claimsPart));
    if (!claims.success) throw new AuthError('INVALID_CLAIMS', 'token claims are invalid');
    const verified: Verified = {
      principal: { userId: claims.data.sub, role: claims.data.role },
      exp: claims.data.exp,
      nbf: claims.data.nbf,
    };
    if (this.verified.size >= VERIFIED_CACHE_SIZE) {
      const oldest = this.verified.keys().next();
      if (!oldest.done) this.verified.delete(oldest.value);
    }
    this.verified.set(token, verified);
    return verified;
  }

  private signature(input: string): string {
    return createHmac('sha256', this.key).update(input).digest('base64url');
  }
}

/**
 * The subject a token claims, read WITHOUT checking its signature: never for a decision about
 * who may do what. The gateway uses it only to look up whether a purchase it is about to refuse
 * as sold out was in fact admitted before (a replay); the request is then forwarded and
 * verified like any other. Null when the header holds no readable claim.
 */
export function unverifiedSubject(header: string | string[] | undefined): string | null {
  try {
    const claims = bearerToken(header).split('.')[1];
    if (claims === undefined) return null;
    const sub = (decodeJson(claims) as { sub?: unknown } | null)?.sub;
    return typeof sub === 'string' && claimsSchema.shape.sub.safeParse(sub).success ? sub : null;
  } catch {
    return null;
  }
}

/** The token of an `Authorization: Bearer <token>` header. */
export function bearerToken(header: string | string[] | undefined): string {
  const value = Array.isArray(header) ? header[0] : header;
  if (!value) throw new AuthError('MISSING_TOKEN', 'Authorization header is missing');
  const match = /^Bearer ([A-Za-z0-9._-]+)$/.exec(value.trim());
  if (!match?.[1]) throw new AuthError('MALFORMED_TOKEN', 'Authorization must be "Bearer <token>"');
  return match[1];
}
