import { Body, Controller, HttpCode, Inject, Post } from '@nestjs/common';
import { JwtCodec } from '@seckill/auth';
import { type DevTokenRequest, devTokenRequest } from '@seckill/contracts';
import { ServiceLogger } from '@seckill/observability';
import { Zod } from '@seckill/service-kit';

/**
 * Signs a token for whoever asks: how a local shop and the load tests get users. Registered only
 * when DEV_TOKEN_ENABLED=true; otherwise the route does not exist (404 like any unknown route).
 */
@Controller('api/auth')
export class DevTokenController {
  constructor(
    @Inject(JwtCodec) private readonly codec: JwtCodec,
    logger: ServiceLogger,
  ) {
    logger.warn({}, 'POST /api/auth/dev-token is enabled: anyone can get a token of any role');
  }

  @Post('dev-token')
  @HttpCode(200)
  issue(@Body(Zod.body(devTokenRequest)) request: DevTokenRequest): { token: string } {
    return { token: this.codec.sign({ userId: request.userId, role: request.role }) };
  }
}
