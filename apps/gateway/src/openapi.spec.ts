import { RequestMethod } from '@nestjs/common';
import { METHOD_METADATA, PATH_METADATA } from '@nestjs/common/constants';
import { DevTokenController } from './dev-token.controller';
import { gatewayControllers } from './gateway.module';
import { openApiDocument } from './openapi';
import { PURCHASE_ROUTE } from './purchase.route';

/** "METHOD /path/{param}" for every route the controllers declare, from Nest's own metadata. */
function declaredRoutes(controllers: readonly (new (...args: never[]) => unknown)[]): string[] {
  const routes: string[] = [];
  for (const controller of controllers) {
    const prefix = String(Reflect.getMetadata(PATH_METADATA, controller) ?? '');
    const prototype = controller.prototype as Record<string, unknown>;
    for (const name of Object.getOwnPropertyNames(prototype)) {
      const handler = prototype[name];
      if (name === 'constructor' || typeof handler !== 'function') continue;
      const method = Reflect.getMetadata(METHOD_METADATA, handler) as RequestMethod | undefined;
      if (method === undefined) continue;
      const path = String(Reflect.getMetadata(PATH_METADATA, handler) ?? '');
      const full = `/${[prefix, path].filter((p) => p && p !== '/').join('/')}`;
      routes.push(`${RequestMethod[method]} ${full.replace(/:(\w+)/g, '{$1}')}`);
    }
  }
  return routes.sort();
}

function documentedRoutes(): string[] {
  return Object.entries(openApiDocument.paths)
    .flatMap(([path, operations]) =>
      Object.keys(operations).map((method) => `${method.toUpperCase()} ${path}`),
    )
    .sort();
}

describe('the OpenAPI document', () => {
  it('documents exactly the routes the gateway serves', () => {
    const plainRoutes = [
      `${PURCHASE_ROUTE.method} ${PURCHASE_ROUTE.url.replace(/:(\w+)/g, '{$1}')}`,
    ];
    const routes = [
      ...declaredRoutes(gatewayControllers({ DEV_TOKEN_ENABLED: true })),
      ...plainRoutes,
    ].sort();
    expect(routes).toEqual([
      'GET /api/docs',
      'GET /api/orders/{orderId}',
      'GET /api/sales/{saleId}',
      'GET /api/users/me/notifications',
      'GET /api/users/me/notifications/stream',
      'GET /api/users/me/orders',
      'POST /api/admin/sales',
      'POST /api/auth/dev-token',
      'POST /api/sales/{saleId}/orders',
    ]);
    expect(documentedRoutes()).toEqual(routes);
  });

  it('serves the dev-token route only when enabled', () => {
    expect(gatewayControllers({ DEV_TOKEN_ENABLED: false })).not.toContain(DevTokenController);
    expect(gatewayControllers({ DEV_TOKEN_ENABLED: true })).toContain(DevTokenController);
  });

  it('resolves every schema reference', () => {
    const refs = [...JSON.stringify(openApiDocument).matchAll(/"#\/components\/schemas\/(\w+)"/g)];
    expect(refs.length).toBeGreaterThan(0);
    for (const [, name] of refs) {
      expect(Object.keys(openApiDocument.components.schemas)).toContain(name);
    }
  });

  it('carries the contract: unknown fields refused, bounds and defaults', () => {
    const { PlaceOrderRequest, CreateSaleRequest } = openApiDocument.components.schemas;
    expect(PlaceOrderRequest).toMatchObject({
      type: 'object',
      additionalProperties: false,
      properties: { quantity: { type: 'integer', minimum: 1, maximum: 100, default: 1 } },
    });
    expect(CreateSaleRequest).toMatchObject({
      additionalProperties: false,
      required: ['name', 'price', 'stock', 'startsAt', 'endsAt'],
    });
    expect(JSON.stringify(openApiDocument)).not.toContain('$schema');
  });
});
