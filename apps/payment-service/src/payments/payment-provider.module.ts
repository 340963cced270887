import { DynamicModule, Global, Module } from '@nestjs/common';
import type { PaymentServiceConfig } from '../config';
import { PaymentDatabase } from '../database';
import { CaptureRetryPolicy } from './capture-with-retries';
import { CapturerSettings, PaymentCapturer } from './payment-capturer';
import { PaymentIntentWriter } from './payment-intent-writer';
import { SimulatedPaymentProvider } from './simulated-payment-provider';

/**
 * The provider, its retry policy, the capturer that calls it and the writer of the intents it
 * charges; global because KafkaModule.forConsumer builds the handlers in a module of its own,
 * which sees only global providers (one PaymentIntentWriter for all of them, so the intents of a
 * consumer transaction are written together).
 */
@Global()
@Module({})
export class PaymentProviderModule {
  static register(config: PaymentServiceConfig): DynamicModule {
    return {
      module: PaymentProviderModule,
      providers: [
        {
          provide: SimulatedPaymentProvider,
          inject: [PaymentDatabase],
          // The ledger shares the database server, not the transactions: see the provider.
          useFactory: (db: PaymentDatabase) =>
            new SimulatedPaymentProvider(db, {
              latencyMs: config.PAYMENT_LATENCY_MS,
              failureRate: config.PAYMENT_FAILURE_RATE,
              timeoutRate: config.PAYMENT_TIMEOUT_RATE,
              timeoutMs: config.PAYMENT_TIMEOUT_MS,
              answerDelayMs: config.PAYMENT_ANSWER_DELAY_MS,
            }),
        },
        {
          provide: CaptureRetryPolicy,
          useValue: new CaptureRetryPolicy(
            config.PAYMENT_CAPTURE_ATTEMPTS,
            config.PAYMENT_RETRY_DELAY_MS,
          ),
        },
        {
          provide: CapturerSettings,
          useValue: new CapturerSettings(
            config.PAYMENT_MAX_CONCURRENT_CAPTURES,
            config.PAYMENT_CAPTURE_LEASE_MS,
          ),
        },
        PaymentCapturer,
        PaymentIntentWriter,
      ],
      exports: [SimulatedPaymentProvider, CaptureRetryPolicy, PaymentCapturer, PaymentIntentWriter],
    };
  }
}
