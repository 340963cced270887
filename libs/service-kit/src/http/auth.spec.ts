import { createHmac } from 'node:crypto';
import { ExecutionContext } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import type { FastifyRequest } from 'fastify';
import { JwtCodec } from '@seckill/auth';
import { ProblemException } from '../problem';
import { Authenticated, AuthGuard } from './auth';

const SECRET = 'a-test-secret-that-is-long-enough-1234';
const codec = new JwtCodec(SECRET, 60);
const guard = new AuthGuard(codec, new Reflector());
const b64 = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url');
const now = () => Math.floor(Date.now() / 1000);

class Routes {
  @Authenticated('admin')
  adminOnly(): string {
    return 'admins only';
  }

  @Authenticated()
  anyone(): string {
    return 'any valid token';
  }
}

function attempt(authorization: string | undefined, handler: keyof Routes = 'anyone') {
  const request = { headers: authorization ? { authorization } : {} } as FastifyRequest;
  const context = {
    switchToHttp: () => ({ getRequest: () => request }),
    getHandler: () => Routes.prototype[handler],
    getClass: () => Routes,
  } as unknown as ExecutionContext;
  try {
    guard.canActivate(context);
    return { principal: request.principal };
  } catch (error) {
    if (!(error instanceof ProblemException)) throw error;
    return { status: error.getStatus(), code: error.code, headers: error.headers };
  }
}

describe('AuthGuard', () => {
  it('lets a valid token through and records who it is', () => {
    const token = codec.sign({ userId: 'u-1', role: 'user' });
    expect(attempt(`Bearer ${token}`)).toEqual({ principal: { userId: 'u-1', role: 'user' } });
  });

  it('answers a missing token with 401 and a bare Bearer challenge', () => {
    expect(attempt(undefined)).toEqual({
      status: 401,
      code: 'UNAUTHORIZED',
      headers: { 'www-authenticate': 'Bearer' },
    });
  });

  const claims = (exp: number) => b64({ sub: 'u-1', role: 'admin', iss: 'seckill', exp });
  it.each([
    ['an expired token', () => codec.sign({ userId: 'u-1', role: 'user' }, now() - 3600)],
    [
      'a token signed with another key',
      () =>
        new JwtCodec('another-secret-that-is-long-enough-5678').sign({ userId: 'u', role: 'user' }),
    ],
    ['alg none', () => `${b64({ alg: 'none', typ: 'JWT' })}.${claims(now() + 60)}.`],
    [
      'HS512 with the right secret',
      () => {
        const signed = `${b64({ alg: 'HS512', typ: 'JWT' })}.${claims(now() + 60)}`;
        return `${signed}.${createHmac('sha512', SECRET).update(signed).digest('base64url')}`;
      },
    ],
    ['garbage', () => 'not-a-token'],
  ])('answers %s with 401 invalid_token', (_label, token) => {
    expect(attempt(`Bearer ${token()}`)).toEqual({
      status: 401,
      code: 'UNAUTHORIZED',
      headers: { 'www-authenticate': 'Bearer error="invalid_token"' },
    });
  });

  it('answers another scheme with 401', () => {
    expect(attempt('Basic dXNlcjpwYXNz')).toMatchObject({ status: 401, code: 'UNAUTHORIZED' });
  });

  it('answers the wrong role with 403, the right one passes', () => {
    const user = codec.sign({ userId: 'u-1', role: 'user' });
    expect(attempt(`Bearer ${user}`, 'adminOnly')).toMatchObject({
      status: 403,
      code: 'FORBIDDEN',
    });
    const admin = codec.sign({ userId: 'a-1', role: 'admin' });
    expect(attempt(`Bearer ${admin}`, 'adminOnly')).toEqual({
      principal: { userId: 'a-1', role: 'admin' },
    });
  });
});
