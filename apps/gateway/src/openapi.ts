import { z } from 'zod';
import {
  createSaleRequest,
  syncOrderResponse,
  devTokenRequest,
  idempotencyKeyHeader,
  lastEventIdHeader,
  myOrdersResponse,
  notificationItem,
  notificationsResponse,
  orderResponse,
  placeOrderRequest,
  placeOrderResponse,
  saleResponse,
  NOTIFICATIONS_DEFAULT_LIMIT,
  NOTIFICATIONS_MAX_LIMIT,
  resourceId,
} from '@seckill/contracts';
import {} from '@seckill/service-kit';

/**
 * The OpenAPI 3.1 document of the gateway's public API, served at GET /api/docs. The schemas
 * are generated from the same zod schemas that validate requests (libs/contracts), so the
 * document cannot drift from what is enforced; the paths are checked against the registered
 * routes by openapi.spec.ts.
 */
const devTokenResponse = z.object({ token: z.string() });

const problem = z
  .object({
    type: z.string(),
    title: z.string(),
    status: z.number().int(),
    code: z.string().describe('Stable, machine-readable: switch on this'),
    detail: z.string().optional(),
    instance: z.string().optional(),
    requestId: z.string().optional(),
    errors: z
      .array(z.object({ path: z.string(), message: z.string() }))
      .optional()
      .describe('VALIDATION_FAILED only: one entry per wrong field'),
  })
  .describe('RFC 9457 problem details');

/** A component schema: JSON Schema 2020-12 (OpenAPI 3.1's dialect), without the `$schema` key. */
function schemaOf(schema: z.ZodType, io: 'input' | 'output'): Record<string, unknown> {
  const jsonSchema: Record<string, unknown> = z.toJSONSchema(schema, { io });
  delete jsonSchema.$schema;
  return jsonSchema;
}

const ref = (name: string) => ({ $ref: `#/components/schemas/${name}` });
const json = (description: string, schema: string, headers?: Record<string, unknown>) => ({
  description,
  ...(headers ? { headers } : {}),
  content: { 'application/json': { schema: ref(schema) } },
});
const problemAnswer = (description: string, headers?: Record<string, unknown>) => ({
  description,
  ...(headers ? { headers } : {}),
  content: { 'application/problem+json': { schema: ref('Problem') } },
});
const jsonBody = (schema: string) => ({
  required: true,
  content: { 'application/json': { schema: ref(schema) } },
});

const header = (description: string, type: 'integer' | 'string' = 'integer') => ({
  description,
  schema: { type },
});
const rateLimitHeaders = {
  'RateLimit-Limit': header('Capacity of the bucket that binds (the sale or the caller)'),
  'RateLimit-Remaining': header('Whole tokens left in that bucket'),
  'RateLimit-Reset': header('Seconds until that bucket is full again'),
};

/** Answers every route can give: the gateway's own checks. */
const invalid = problemAnswer('VALIDATION_FAILED (with errors), or malformed JSON');
const unauthorized = problemAnswer(
  'UNAUTHORIZED: no token, or one that is malformed, expired, signed with another key or algorithm',
);
const tooLarge = problemAnswer('PAYLOAD_TOO_LARGE: the body exceeds 4 KiB');
const notJson = problemAnswer('UNSUPPORTED_MEDIA_TYPE: the body is not application/json');
const unavailable = problemAnswer(
  'UPSTREAM_UNAVAILABLE: order-service did not answer in time; retry (with the same Idempotency-Key)',
  { 'Retry-After': header('Seconds') },
);

const idempotencyKeyAnswer = {
  'Idempotency-Key': header(
    "The purchase's key: the client's, or the one the gateway assigned. Retry with it.",
    'string',
  ),
};

/** The purchase's 503s: each says whether the order may exist. */
const purchaseUnavailable = problemAnswer(
  'OVERLOADED: the shop is at capacity (concurrency limit or deadline); nothing was admitted. ' +
    'OUTCOME_UNKNOWN: order-service did not answer; the order may exist: retry with the same ' +
    'Idempotency-Key (returned in the header), or list GET /api/users/me/orders?saleId=. ' +
    'UPSTREAM_UNAVAILABLE: order-service refused the connection; nothing was admitted. ' +
    'Wait Retry-After seconds plus a random jitter before retrying.',
  { 'Retry-After': header('Seconds'), ...idempotencyKeyAnswer },
);

const notificationsUnavailable = problemAnswer(
  'UPSTREAM_UNAVAILABLE: notification-service (or its live feed) is not available; retry',
  { 'Retry-After': header('Seconds') },
);

const idParameter = (name: string, description: string) => ({
  name,
  in: 'path',
  required: true,
  description,
  schema: schemaOf(resourceId, 'input'),
});
const bearer = [{ bearer: [] }];

export const openApiDocument = {
  openapi: '3.1.0',
  info: {
    title: 'Seckill gateway',
    version: '0.1.0',
    description:
      'The public HTTP edge of the Seckill flash-sale shop. Errors are application/problem+json ' +
      'with a stable `code`. Tokens are HS256 JWTs (POST /api/auth/dev-token in local runs).',
  },
  components: {
    securitySchemes: { bearer: { type: 'http', scheme: 'bearer', bearerFormat: 'JWT' } },
    schemas: {
      DevTokenRequest: schemaOf(devTokenRequest, 'input'),
      DevTokenResponse: schemaOf(devTokenResponse, 'output'),
      CreateSaleRequest: schemaOf(createSaleRequest, 'input'),
      Sale: schemaOf(saleResponse, 'output'),
      PlaceOrderRequest: schemaOf(placeOrderRequest, 'input'),
      PlaceOrderResponse: schemaOf(placeOrderResponse, 'output'),
      SyncOrderResponse: schemaOf(syncOrderResponse, 'output'),
      Order: schemaOf(orderResponse, 'output'),
      MyOrders: schemaOf(myOrdersResponse, 'output'),
      Notification: schemaOf(notificationItem, 'output'),
      Notifications: schemaOf(notificationsResponse, 'output'),
      Problem: schemaOf(problem, 'output'),
    },
  },
  paths: {
    '/api/auth/dev-token': {
      post: {
        summary: 'Sign a token for any user and role (only when DEV_TOKEN_ENABLED=true)',
        operationId: 'issueDevToken',
        requestBody: jsonBody('DevTokenRequest'),
        responses: {
          '200': json('The token', 'DevTokenResponse'),
          '400': invalid,
          '404': problemAnswer('NOT_FOUND: dev tokens are disabled'),
          '413': tooLarge,
          '415': notJson,
        },
      },
    },
    '/api/admin/sales': {
      post: {
        summary: 'Create a sale (role admin)',
        operationId: 'createSale',
        security: bearer,
        parameters: [
          {
            name: 'Idempotency-Key',
            in: 'header',
            required: false,
            description:
              'A retry with the same key answers with the sale the first request created',
            schema: schemaOf(idempotencyKeyHeader, 'input'),
          },
        ],
        requestBody: jsonBody('CreateSaleRequest'),
        responses: {
          '201': json('The sale', 'Sale'),
          '400': invalid,
          '401': unauthorized,
          '403': problemAnswer('FORBIDDEN: the token is not an admin'),
          '422': problemAnswer('IDEMPOTENCY_KEY_REUSED: the key created a different sale'),
          '413': tooLarge,
          '415': notJson,
          '503': unavailable,
        },
      },
    },
    '/api/sales/{saleId}': {
      get: {
        summary: 'A sale and its remaining stock',
        operationId: 'getSale',
        parameters: [idParameter('saleId', 'The sale')],
        responses: {
          '200': json('The sale', 'Sale'),
          '400': invalid,
          '404': problemAnswer('SALE_NOT_FOUND'),
          '503': unavailable,
        },
      },
    },
    '/api/sales/{saleId}/orders': {
      post: {
        summary: 'Buy: admitted orders are accepted (202) and complete asynchronously',
        operationId: 'placeOrder',
        security: bearer,
        parameters: [
          idParameter('saleId', 'The sale'),
          {
            name: 'Idempotency-Key',
            in: 'header',
            required: false,
            description:
              'One key per purchase intent, reused on every retry: a retry with the same key ' +
              'gets the first answer. Without one, the gateway assigns a key and returns it.',
            schema: schemaOf(idempotencyKeyHeader, 'input'),
          },
        ],
        requestBody: { ...jsonBody('PlaceOrderRequest'), required: false },
        responses: {
          '201': json(
            'A sale of the synchronous baseline (flow "sync", for measurements; ADR 0012): ' +
              'bought and already shipped',
            'SyncOrderResponse',
            { ...rateLimitHeaders, ...idempotencyKeyAnswer },
          ),
          '202': json('Accepted: follow statusUrl', 'PlaceOrderResponse', {
            ...rateLimitHeaders,
            ...idempotencyKeyAnswer,
          }),
          '400': invalid,
          '401': unauthorized,
          '402': problemAnswer(
            'PAYMENT_DECLINED: a sync-flow sale only (the event-driven flow reports it on the order)',
          ),
          '403': problemAnswer('SALE_NOT_OPEN: before or after the sale window'),
          '404': problemAnswer('SALE_NOT_FOUND'),
          '409': problemAnswer(
            'SOLD_OUT (answered by the gateway once it knows), INSUFFICIENT_STOCK (fewer units ' +
              'left than asked), LIMIT_REACHED (the per-user limit)',
          ),
          '413': tooLarge,
          '415': notJson,
          '429': problemAnswer('RATE_LIMITED: the sale or the caller is over its rate', {
            'Retry-After': header('Seconds until a retry can pass'),
            ...rateLimitHeaders,
          }),
          '503': purchaseUnavailable,
        },
      },
    },
    '/api/users/me/orders': {
      get: {
        summary: "The caller's orders, newest first: how a client settles an uncertain purchase",
        operationId: 'listMyOrders',
        security: bearer,
        parameters: [
          {
            name: 'saleId',
            in: 'query',
            required: false,
            description:
              "Only this sale's orders; then also orders admitted a moment ago that are still " +
              'on their way through the saga',
            schema: schemaOf(resourceId, 'input'),
          },
        ],
        responses: {
          '200': json('The orders', 'MyOrders'),
          '400': invalid,
          '401': unauthorized,
          '503': unavailable,
        },
      },
    },
    '/api/orders/{orderId}': {
      get: {
        summary: "One of the caller's orders and its history",
        operationId: 'getOrder',
        security: bearer,
        parameters: [idParameter('orderId', 'The order')],
        responses: {
          '200': json('The order', 'Order'),
          '400': invalid,
          '401': unauthorized,
          '404': problemAnswer("ORDER_NOT_FOUND (also for another user's order)"),
          '503': unavailable,
        },
      },
    },
    '/api/users/me/notifications': {
      get: {
        summary: "The caller's notifications (one per order and kind), newest first",
        operationId: 'listNotifications',
        security: bearer,
        parameters: [
          {
            name: 'limit',
            in: 'query',
            required: false,
            description: 'At most this many',
            // What notificationsQuery enforces on the text of the query string.
            schema: {
              type: 'integer',
              minimum: 1,
              maximum: NOTIFICATIONS_MAX_LIMIT,
              default: NOTIFICATIONS_DEFAULT_LIMIT,
            },
          },
        ],
        responses: {
          '200': json('The notifications', 'Notifications'),
          '400': invalid,
          '401': unauthorized,
          '503': notificationsUnavailable,
        },
      },
    },
    '/api/users/me/notifications/stream': {
      get: {
        summary:
          "Live feed of the caller's new notifications (Server-Sent Events: `event: notification`, " +
          '`id:` the notification id, `data:` a Notification; a `: heartbeat` comment every 15 s)',
        operationId: 'streamNotifications',
        security: bearer,
        parameters: [
          {
            name: 'Last-Event-ID',
            in: 'header',
            required: false,
            description: 'Reconnecting: the notifications after this id are sent first',
            schema: schemaOf(lastEventIdHeader, 'input'),
          },
        ],
        responses: {
          '200': {
            description: 'The stream; it stays open until either side ends it',
            content: { 'text/event-stream': { schema: { type: 'string' } } },
          },
          '400': invalid,
          '401': unauthorized,
          '503': notificationsUnavailable,
        },
      },
    },
    '/api/docs': {
      get: {
        summary: 'This document',
        operationId: 'getOpenApiDocument',
        responses: { '200': { description: 'OpenAPI 3.1', content: { 'application/json': {} } } },
      },
    },
  },
} as const;
