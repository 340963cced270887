import { z } from 'zod';

/**
 * Pub/sub channel on which order-service announces that a sale's stock ran out
 * (`soldOut: true`, from the admission script) or came back (`soldOut: false`: sale created,
 * restocked). The gateway keeps a local sold-out set from it. Pub/sub is fire-and-forget: a
 * subscriber that was disconnected may have missed messages and must forget what it knew.
 */
export const STOCK_CHANNEL = 'seckill:stock';

export const stockSignal = z.object({
  saleId: z.string().min(1).max(128),
  soldOut: z.boolean(),
});
export type StockSignal = z.infer<typeof stockSignal>;
