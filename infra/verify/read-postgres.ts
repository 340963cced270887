/**
 * Reads the five services' databases for the verifier: plain `pg` and explicit SQL rather than
 * the five generated Prisma clients, because this is a read-only tool that crosses every
 * service's database (which no service may do) and the SQL is the clearest statement of what is
 * checked. Table and column names are the ones the services' schema.prisma files map to.
 *
 * Every query takes the sales to read as `$1::text[]`, or null for every sale.
 */
import { Pool } from 'pg';
import type {
  ChargeRow,
  DuplicateKey,
  OrderRow,
  OutboxBacklog,
  PaymentRow,
  ReservationRow,
  SaleRow,
  SaleStockRow,
  ShipmentRow,
} from './snapshot';
import { type DatabaseService, DATABASE_SERVICES, databaseName, type VerifyTarget } from './target';

/** One small pool per service database; `close()` ends them all. */
export class ShopDatabases {
  private readonly pools: ReadonlyMap<DatabaseService, Pool>;

  constructor(private readonly target: VerifyTarget) {
    this.pools = new Map(
      DATABASE_SERVICES.map((service) => [
        service,
        new Pool({
          connectionString: target.databases[service],
          max: 2,
          connectionTimeoutMillis: 3000,
          application_name: 'seckill-verify',
        }),
      ]),
    );
  }

  async query<R>(service: DatabaseService, sql: string, params: unknown[] = []): Promise<R[]> {
    const pool = this.pools.get(service);
    if (!pool) throw new Error(`no pool for ${service}`);
    return (await pool.query(sql, params)).rows as R[];
  }

  /** `seckill_order.outbox_events` and the like. */
  table(service: DatabaseService, table: string): string {
    return `${databaseName(this.target.databases[service])}.${table}`;
  }

  async close(): Promise<void> {
    await Promise.all([...this.pools.values()].map((pool) => pool.end().catch(() => undefined)));
  }
}

/** The services that publish through a Postgres outbox: all five. */
const OUTBOX_SERVICES = DATABASE_SERVICES;

/** Rows with `published_at` null in each service's outbox table. */
export async function readPostgresOutboxes(dbs: ShopDatabases): Promise<OutboxBacklog[]> {
  return Promise.all(
    OUTBOX_SERVICES.map(async (service) => {
      const [row] = await dbs.query<{ n: number }>(
        service,
        'SELECT count(*)::int AS n FROM outbox_events WHERE published_at IS NULL',
      );
      return { outbox: dbs.table(service, 'outbox_events'), unpublished: row?.n ?? 0 };
    }),
  );
}

/** Payment intents the capturer has not settled: work in flight outside any consumer's lag. */
export async function readPaymentsInFlight(dbs: ShopDatabases): Promise<number> {
  const [row] = await dbs.query<{ n: number }>(
    'payment-service',
    "SELECT count(*)::int AS n FROM payments WHERE status = 'PENDING'",
  );
  return row?.n ?? 0;
}

export async function readSales(
  dbs: ShopDatabases,
  saleIds: readonly string[] | null,
): Promise<SaleRow[]> {
  return dbs.query<SaleRow>(
    'order-service',
    `SELECT id::text AS "saleId", stock, per_user_limit AS "perUserLimit", flow
     FROM sales WHERE $1::text[] IS NULL OR id::text = ANY($1) ORDER BY created_at, id`,
    [saleIds],
  );
}

export interface PostgresRows {
  readonly orders: OrderRow[];
  readonly saleStock: SaleStockRow[];
  readonly reservations: ReservationRow[];
  readonly payments: PaymentRow[];
  readonly charges: ChargeRow[];
  readonly shipments: ShipmentRow[];
  readonly auditDuplicates: DuplicateKey[];
}

/** Everything the rules compare, for the given sales. */
export async function readPostgresRows(
  dbs: ShopDatabases,
  saleIds: readonly string[],
): Promise<PostgresRows> {
  const p = [saleIds];
  const [orders, saleStock, reservations, payments, charges, shipments] = await Promise.all([
    dbs.query<OrderRow>(
      'order-service',
      `SELECT order_id AS "orderId", sale_id AS "saleId", user_id AS "userId", quantity, status,
              idempotency_key AS "idempotencyKey"
       FROM orders WHERE sale_id = ANY($1)`,
      p,
    ),
    dbs.query<SaleStockRow>(
      'inventory-service',
      `SELECT s.sale_id AS "saleId", s.initial_stock AS "initialStock", s.available, s.reserved,
              s.released,
              (SELECT coalesce(sum(l.delta), 0)::int FROM inventory_log l
               WHERE l.sale_id = s.sale_id) AS "logDelta"
       FROM sale_stock s WHERE s.sale_id = ANY($1)`,
      p,
    ),
    dbs.query<ReservationRow>(
      'inventory-service',
      `SELECT order_id AS "orderId", sale_id AS "saleId", user_id AS "userId", quantity,
              status::text AS status, idempotency_key AS "idempotencyKey"
       FROM reservations WHERE sale_id = ANY($1)`,
      p,
    ),
    dbs.query<PaymentRow>(
      'payment-service',
      `SELECT order_id AS "orderId", sale_id AS "saleId", quantity, status::text AS status
       FROM payments WHERE sale_id = ANY($1)`,
      p,
    ),
    // The provider's ledger knows no sale: its key is the order id of a payment of the sale.
    dbs.query<ChargeRow>(
      'payment-service',
      `SELECT c.idempotency_key AS "idempotencyKey", c.status::text AS status
       FROM provider_charges c
       WHERE c.idempotency_key IN (SELECT order_id FROM payments WHERE sale_id = ANY($1))`,
      p,
    ),
    dbs.query<ShipmentRow>(
      'logistics-service',
      `SELECT order_id AS "orderId", sale_id AS "saleId", quantity, status,
              tracking_number AS "trackingNumber"
       FROM shipments WHERE sale_id = ANY($1)`,
      p,
    ),
  ]);
  return {
    orders,
    saleStock,
    reservations,
    payments,
    charges,
    shipments,
    auditDuplicates: await readAuditDuplicates(dbs, saleIds),
  };
}

/**
 * The audit tables hold several rows per order, so Postgres groups them and only duplicate keys
 * come back: an event type recorded twice for one order in the read model's history (the same
 * event published again under a new event id), a second RESERVE / RELEASE / REJECT of one order
 * in the inventory log (a compensation applied twice), a second notification of one kind.
 */
async function readAuditDuplicates(
  dbs: ShopDatabases,
  saleIds: readonly string[],
): Promise<DuplicateKey[]> {
  interface Group {
    readonly orderId: string;
    readonly kind: string;
    readonly n: number;
  }
  const audits: [DatabaseService, string, string, string][] = [
    [
      'order-service',
      'order_history',
      'event_type',
      `SELECT h.order_id AS "orderId", h.event_type AS kind, count(*)::int AS n
       FROM order_history h JOIN orders o ON o.order_id = h.order_id
       WHERE o.sale_id = ANY($1) GROUP BY 1, 2 HAVING count(*) > 1`,
    ],
    [
      'inventory-service',
      'inventory_log',
      'kind',
      `SELECT order_id AS "orderId", kind::text AS kind, count(*)::int AS n
       FROM inventory_log WHERE sale_id = ANY($1) GROUP BY 1, 2 HAVING count(*) > 1`,
    ],
    [
      'notification-service',
      'notifications',
      'kind',
      `SELECT order_id AS "orderId", kind::text AS kind, count(*)::int AS n
       FROM notifications WHERE sale_id = ANY($1) GROUP BY 1, 2 HAVING count(*) > 1`,
    ],
  ];
  const found = await Promise.all(
    audits.map(async ([service, table, column, sql]) =>
      (await dbs.query<Group>(service, sql, [saleIds])).map((g) => ({
        table: dbs.table(service, table),
        key: `(order_id, ${column}) = (${g.orderId}, ${g.kind})`,
        orderId: g.orderId,
        rows: g.n,
      })),
    ),
  );
  return found.flat();
}
