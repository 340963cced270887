import { Controller, Get, Inject, Query, Req, Res } from '@nestjs/common';
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { Principal } from '@seckill/auth';
import {
  lastEventIdHeader,
  notificationsQuery,
  type NotificationsQuery,
  type NotificationsResponse,
  ProblemCode,
} from '@seckill/contracts';
import { ServiceLogger } from '@seckill/observability';
import {
  Authenticated,
  CurrentPrincipal,
  ProblemException,
  RequestHeader,
  Zod,
} from '@seckill/service-kit';
import { NOTIFICATION_SERVICE_CONFIG, type NotificationServiceConfig } from '../config';
import { NotificationFeed } from './notification-feed';
import { NotificationQueries } from './notification-queries';
import { NotificationStream } from './notification-stream';

const lastEventId = Zod.named('Last-Event-ID', lastEventIdHeader.optional());

/** The caller's own notifications: the user id comes only from the verified token. */
@Controller('api/users/me/notifications')
export class NotificationsController {
  private readonly logger: ServiceLogger;

  constructor(
    private readonly queries: NotificationQueries,
    private readonly feed: NotificationFeed,
    @Inject(NOTIFICATION_SERVICE_CONFIG) private readonly config: NotificationServiceConfig,
    logger: ServiceLogger,
  ) {
    this.logger = logger.child({ component: 'notification-stream' });
  }

  /** Newest first, at most `limit` (default 50, at most 200). */
  @Get()
  @Authenticated()
  async list(
    // The whole query string, so an unknown parameter is refused like an unknown body field.
    @Query(Zod.body(notificationsQuery)) query: NotificationsQuery,
    @CurrentPrincipal() caller: Principal,
  ): Promise<NotificationsResponse> {
    return { items: await this.queries.latest(caller.userId, query.limit) };
  }

  /** Server-Sent Events: every notification of the caller committed from now on. */
  @Get('stream')
  @Authenticated()
  async stream(
    @RequestHeader('last-event-id', lastEventId) after: string | undefined,
    @CurrentPrincipal() caller: Principal,
    @Req() request: FastifyRequest,
    @Res() reply: FastifyReply,
  ): Promise<void> {
    if (!this.feed.listening) {
      // Without the LISTEN connection the stream could silently miss rows: refuse instead.
      throw new ProblemException(
        503,
        ProblemCode.UpstreamUnavailable,
        'The live feed is not available right now; retry shortly.',
        undefined,
        { 'retry-after': '1' },
      );
    }
    // From here on the response is ours, not Fastify's: it stays open until the stream ends.
    reply.hijack();
    const stream = new NotificationStream(
      reply.raw,
      this.feed,
      this.queries,
      this.logger.child({ requestId: String(request.id) }),
      {
        userId: caller.userId,
        lastEventId: after === undefined ? undefined : BigInt(after),
        heartbeatMs: this.config.SSE_HEARTBEAT_MS,
        headers: { 'x-request-id': String(request.id) },
      },
    );
    await stream.open();
  }
}
