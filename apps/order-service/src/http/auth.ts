import {
  applyDecorators,
  CanActivate,
  createParamDecorator,
  ExecutionContext,
  Injectable,
  SetMetadata,
  UseGuards,
} from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import type { FastifyRequest } from 'fastify';
import { AuthError, bearerToken, JwtCodec, type Principal, type Role } from '@seckill/auth';
import { ProblemCode } from '@seckill/contracts';
import { ProblemException } from '@seckill/service-kit';

const ROLES = Symbol('roles');
const PRINCIPAL = Symbol('principal');

type AuthenticatedRequest = FastifyRequest & { [PRINCIPAL]?: Principal };

/**
 * The route needs a valid bearer token and, when roles are given, one of them: missing or
 * invalid → 401 UNAUTHORIZED, wrong role → 403 FORBIDDEN. order-service verifies the token
 * itself (same JWT_SECRET as the gateway): the user id of an order never comes from anything
 * but a verified token, whoever forwarded the request.
 */
export function Authenticated(...roles: Role[]): MethodDecorator & ClassDecorator {
  return applyDecorators(SetMetadata(ROLES, roles), UseGuards(AuthGuard));
}

/** The caller, as verified by AuthGuard. */
export const CurrentPrincipal = createParamDecorator(
  (_data: unknown, context: ExecutionContext): Principal => {
    const principal = context.switchToHttp().getRequest<AuthenticatedRequest>()[PRINCIPAL];
    if (!principal) throw new Error('CurrentPrincipal used on a route without @Authenticated()');
    return principal;
  },
);

@Injectable()
export class AuthGuard implements CanActivate {
  constructor(
    private readonly codec: JwtCodec,
    private readonly reflector: Reflector,
  ) {}

  canActivate(context: ExecutionContext): boolean {
    const request = context.switchToHttp().getRequest<AuthenticatedRequest>();
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
    request[PRINCIPAL] = principal;
    return true;
  }
}

/** 401 with the RFC 6750 challenge: a bare one when no token came, invalid_token otherwise. */
function unauthorized(error: AuthError): ProblemException {
  const challenge = error.failure === 'MISSING_TOKEN' ? 'Bearer' : 'Bearer error="invalid_token"';
  return new ProblemException(401, ProblemCode.Unauthorized, error.message, undefined, {
    'www-authenticate': challenge,
  });
}
