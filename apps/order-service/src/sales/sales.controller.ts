import { Body, Controller, Get, HttpCode, Param, Post } from '@nestjs/common';
import {
  createSaleRequest,
  type CreateSaleRequest,
  ProblemCode,
  type SaleResponse,
} from '@seckill/contracts';
import { Authenticated, ProblemException, Zod } from '@seckill/service-kit';
import { isResourceId } from '../http/validation';
import { SalesService } from './sales.service';

@Controller('api')
export class SalesController {
  constructor(private readonly sales: SalesService) {}

  /** Admins only: 201 with the sale, stored, loaded into Redis and on its way to Kafka. */
  @Post('admin/sales')
  @Authenticated('admin')
  @HttpCode(201)
  create(@Body(Zod.body(createSaleRequest)) body: CreateSaleRequest): Promise<SaleResponse> {
    return this.sales.create(body);
  }

  /** Public: the sale with its remaining stock and status; 404 SALE_NOT_FOUND when unknown. */
  @Get('sales/:saleId')
  async get(@Param('saleId') saleId: string): Promise<SaleResponse> {
    const sale = isResourceId(saleId) ? await this.sales.find(saleId) : null;
    if (!sale) {
      throw new ProblemException(404, ProblemCode.SaleNotFound, `Sale ${saleId} does not exist.`);
    }
    return sale;
  }
}
