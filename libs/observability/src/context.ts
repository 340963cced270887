import { AsyncLocalStorage } from 'node:async_hooks';

/** What follows one request or one event through every log line it causes. */
export interface CorrelationContext {
  readonly correlationId: string;
}

const storage = new AsyncLocalStorage<CorrelationContext>();

export function runWithCorrelation<T>(context: CorrelationContext, fn: () => T): T {
  return storage.run(context, fn);
}

export function currentCorrelation(): CorrelationContext | undefined {
  return storage.getStore();
}

/** Enters a context for the rest of the current async flow (e.g. a Fastify onRequest hook). */
export function enterCorrelation(context: CorrelationContext): void {
  storage.enterWith(context);
}
