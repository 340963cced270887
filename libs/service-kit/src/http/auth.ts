import {
  applyDecorators,
  CanActivate,
  createParamDecorator,
  ExecutionContext,
  Inject,
  Injectable,
  SetMetadata,
  UseGuards,
} from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import type { FastifyRequest } from 'fastify';
import { AuthError, bearerToken, JwtCodec, type Principal, type Role } from '@seckill/auth';
import { ProblemCode } from '@seckill/contracts';
import { ProblemException } from '../problem';

declare module 'fastify' {
  interface FastifyRequest {
    /** Set by AuthGuard from a verified token: the only source of the caller's identity. */
    principal?: Principal;
  }
}

const ROLES = Symbol('roles');

/**
 * The route needs a valid bearer token (HS256, algorithm pinned, expiry checked) and, when
 * roles are given, one of them. Missing or invalid → 401, wrong role → 403.
 */
export function Authenticated(...roles: Role[]): MethodDecorator & ClassDecorator {
  return applyDecorators(SetMetadata(ROLES, roles), UseGuards(AuthGuard));
}

/** The caller, as verified by AuthGuard. */
export const CurrentPrincipal = createParamDecorator(
  (_data: unknown, context: ExecutionContext): Principal => {
    const principal = context.switchToHttp().getRequest<FastifyRequest>().principal;
    if (!principal) throw new Error('CurrentPrincipal used on a route without @Authenticated()');
    return principal;
  },
);

@Injectable()
export class AuthGuard implements CanActivate {
  constructor(
    @Inject(JwtCodec) private readonly codec: JwtCodec,
    private readonly reflector: Reflector,
  ) {}

  canActivate(context: ExecutionContext): boolean {
    const request = context.switchToHttp().getRequest<FastifyRequest>();
    let principal: Principal;
    try {
      principal = this.codec.verify(bearerToken(request.headers.authorization));
    } catch (error) {
      if (error instanceof AuthError) throw unauthorized(error);
      throw error;
    }
    const roles =
      this.reflector.getAllAndOverride<Role[] | undefined>(ROLES, [
        context.getHandler(),
        context.getClass(),
      ]) ?? [];
    if (roles.length > 0 && !roles.includes(principal.role)) {
      throw new ProblemException(
        403,
        ProblemCode.Forbidden,
        `This needs the role ${roles.join(' or ')}.`,
      );
    }
    request.principal = principal;
    return true;
  }
}

/** The RFC 6750 challenge of a 401: a bare one when no token came, invalid_token otherwise. */
export function bearerChallenge(error: AuthError): string {
  return error.failure === 'MISSING_TOKEN' ? 'Bearer' : 'Bearer error="invalid_token"';
}

function unauthorized(error: AuthError): ProblemException {
  return new ProblemException(401, ProblemCode.Unauthorized, error.message, undefined, {
    'www-authenticate': bearerChallenge(error),
  });
}
