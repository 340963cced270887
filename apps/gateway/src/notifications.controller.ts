import { Controller, Get, Query, Req, Res } from '@nestjs/common';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { lastEventIdHeader, notificationsQuery, type NotificationsQuery } from '@seckill/contracts';
import { Authenticated, RequestHeader, Zod } from '@seckill/service-kit';
import { NotificationServiceClient } from './notification-service.client';

const lastEventId = Zod.named('Last-Event-ID', lastEventIdHeader.optional());

/**
 * The caller's notifications, forwarded to notification-service after the gateway's own checks
 * (token, query). notification-service verifies the token again and takes the user id from it.
 */
@Controller('api/users/me/notifications')
export class NotificationsController {
  constructor(private readonly notifications: NotificationServiceClient) {}

  @Get()
  @Authenticated()
  async list(
    @Query(Zod.body(notificationsQuery)) query: NotificationsQuery,
    @Req() request: FastifyRequest,
    @Res() reply: FastifyReply,
  ): Promise<void> {
    const answer = await this.notifications.send(
      request,
      `/api/users/me/notifications?limit=${query.limit}`,
    );
    void reply.status(answer.status).headers(answer.headers).send(answer.body);
  }

  /** Server-Sent Events, streamed through as they come. */
  @Get('stream')
  @Authenticated()
  async stream(
    @RequestHeader('last-event-id', lastEventId) after: string | undefined,
    @Req() request: FastifyRequest,
    @Res() reply: FastifyReply,
  ): Promise<void> {
    const headers: Record<string, string> = { accept: 'text/event-stream' };
    if (after !== undefined) headers['last-event-id'] = after;
    const ownHeaders: Record<string, string> = {};
    for (const [name, value] of Object.entries(reply.getHeaders())) {
      if (typeof value === 'string') ownHeaders[name] = value;
    }
    // A failure to connect is still an ordinary problem answer; once upstream answered, the
    // response is no longer Fastify's to send: it is piped through as it arrives.
    const upstream = await this.notifications.openStream(
      request,
      '/api/users/me/notifications/stream',
      headers,
      reply.raw,
    );
    reply.hijack();
    this.notifications.relay(upstream, reply.raw, ownHeaders);
  }
}
