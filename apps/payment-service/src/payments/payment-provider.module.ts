import { DynamicModule, Global, Module } from '@nestjs/common';
import type { PaymentServiceConfig } from '../config';
import { CaptureRetryPolicy } from './capture-with-retries';
import { SimulatedPaymentProvider } from './simulated-payment-provider';

/** The provider and its retry policy, global so the consumer module's handlers get them. */
@Global()
@Module({})
export class PaymentProviderModule {
  static register(config: PaymentServiceConfig): DynamicModule {
    return {
      module: PaymentProviderModule,
      providers: [
        {
          provide: SimulatedPaymentProvider,
          useValue: new SimulatedPaymentProvider({
            latencyMs: config.PAYMENT_LATENCY_MS,
            failureRate: config.PAYMENT_FAILURE_RATE,
            timeoutRate: config.PAYMENT_TIMEOUT_RATE,
            timeoutMs: config.PAYMENT_TIMEOUT_MS,
          }),
        },
        {
          provide: CaptureRetryPolicy,
          useValue: new CaptureRetryPolicy(
            config.PAYMENT_CAPTURE_ATTEMPTS,
            config.PAYMENT_RETRY_DELAY_MS,
          ),
        },
      ],
      exports: [SimulatedPaymentProvider, CaptureRetryPolicy],
    };
  }
}
