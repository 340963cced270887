import { Injectable } from '@nestjs/common';
import { ShipmentCreatedV1 } from '@seckill/contracts';
import type { ChunkWriter, Outbox } from '@seckill/kafka';
import { ServiceLogger } from '@seckill/observability';
import type { LogisticsTransaction } from '../database';
import { ShipmentStatus } from './shipment-status';

/** A shipment `payment.succeeded` asks for; its id and tracking number are chosen up front. */
export interface NewShipment {
  readonly eventId: string;
  readonly shipmentId: string;
  readonly trackingNumber: string;
  readonly orderId: string;
  readonly saleId: string;
  readonly userId: string;
  readonly quantity: number;
  readonly paymentId: string;
}

/**
 * Creates the shipments the handlers of one consumer transaction staged, in ONE statement (a
 * statement per event cost about 1 ms of CPU in the service and as much again in PostgreSQL), and
 * announces each shipment it created with `shipment.created`. The insert is ON CONFLICT DO
 * NOTHING on the order id (unique): an order that already ships, or whose refund got here first
 * (its CANCELLED tombstone holds the order id), gets no shipment and no event; so does a second
 * request for an order earlier in the same insert.
 */
@Injectable()
export class ShipmentWriter implements ChunkWriter<NewShipment, LogisticsTransaction> {
  private readonly logger: ServiceLogger;

  constructor(logger: ServiceLogger) {
    this.logger = logger.child({ component: 'shipment-writer' });
  }

  async write(
    tx: LogisticsTransaction,
    rows: readonly NewShipment[],
    outbox: Outbox,
  ): Promise<void> {
    const created = await this.record(tx, rows);
    rows.forEach((row, n) => {
      const fields = { eventId: row.eventId, orderId: row.orderId };
      if (!created[n]) {
        this.logger.info(
          fields,
          'order already has a shipment, or was refunded before (tombstone): nothing to ship',
        );
        return;
      }
      const { orderId, saleId, userId, quantity, shipmentId, trackingNumber } = row;
      outbox.add(ShipmentCreatedV1, {
        orderId,
        saleId,
        userId,
        quantity,
        shipmentId,
        trackingNumber,
      });
      this.logger.debug({ ...fields, shipmentId }, 'shipment created');
    });
  }

  /** Inserts the shipments; resolves with whether each row, by position, was created. */
  async record(tx: LogisticsTransaction, rows: readonly NewShipment[]): Promise<boolean[]> {
    if (rows.length === 0) return [];
    const column = <T>(pick: (row: NewShipment) => T) => rows.map(pick);
    const inserted = await tx.$queryRaw<{ shipment_id: string }[]>`
      INSERT INTO shipments
        (shipment_id, order_id, sale_id, user_id, quantity, tracking_number, payment_id, status)
      SELECT shipment_id, order_id, sale_id, user_id, quantity, tracking_number, payment_id,
             ${ShipmentStatus.Created}
      FROM unnest(
        ${column((r) => r.shipmentId)}::uuid[],
        ${column((r) => r.orderId)}::text[],
        ${column((r) => r.saleId)}::text[],
        ${column((r) => r.userId)}::text[],
        ${column((r) => r.quantity)}::int[],
        ${column((r) => r.trackingNumber)}::text[],
        ${column((r) => r.paymentId)}::text[]
      ) WITH ORDINALITY AS s(shipment_id, order_id, sale_id, user_id, quantity, tracking_number,
                             payment_id, n)
      ORDER BY n
      ON CONFLICT DO NOTHING
      RETURNING shipment_id::text AS shipment_id`;
    const created = new Set(inserted.map((row) => row.shipment_id));
    return rows.map((row) => created.has(row.shipmentId));
  }
}
