import { Body, Controller, Get, Headers, HttpCode, Param, Post } from '@nestjs/common';
import type { Principal } from '@seckill/auth';
import {
  createSaleRequest,
  type CreateSaleRequest,
  idempotencyKeyHeader,
  ProblemCode,
  type SaleResponse,
  isIssuedId,
} from '@seckill/contracts';
import { Authenticated, CurrentPrincipal, ProblemException, Zod } from '@seckill/service-kit';
import { SalesService } from './sales.service';

const idempotencyKey = Zod.named('idempotency-key', idempotencyKeyHeader.optional());

@Controller('api')
export class SalesController {
  constructor(private readonly sales: SalesService) {}

  /**
   * Admins only: 201 with the sale, stored, loaded into Redis and on its way to Kafka. A repeated
   * Idempotency-Key answers 201 with the sale it created (422 if the sale asked for differs).
   */
  @Post('admin/sales')
  @Authenticated('admin')
  @HttpCode(201)
  create(
    @Body(Zod.body(createSaleRequest)) body: CreateSaleRequest,
    @Headers('idempotency-key') rawKey: string | undefined,
    @CurrentPrincipal() principal: Principal,
  ): Promise<SaleResponse> {
    const key = idempotencyKey.transform(rawKey);
    return this.sales.create(body, { adminId: principal.userId, idempotencyKey: key ?? null });
  }

  /** Public: the sale with its remaining stock and status; 404 SALE_NOT_FOUND when unknown. */
  @Get('sales/:saleId')
  async get(@Param('saleId') saleId: string): Promise<SaleResponse> {
    const sale = isIssuedId(saleId) ? await this.sales.find(saleId) : null;
    if (!sale) {
      throw new ProblemException(404, ProblemCode.SaleNotFound, `Sale ${saleId} does not exist.`);
    }
    return sale;
  }
}
