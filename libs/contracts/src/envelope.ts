import { randomUUID } from 'node:crypto';
import { z } from 'zod';
import type { TopicName } from './topics';

/**
 * Every event on every topic travels in this envelope. The payload is validated against the
 * schema registered for its (type, version); see libs/contracts/README.md for the versioning rule.
 */
export const envelopeSchema = z.object({
  eventId: z.uuid(),
  type: z.string().min(1),
  version: z.number().int().positive(),
  occurredAt: z.iso.datetime({ offset: true }),
  key: z.string().min(1),
  payload: z.unknown(),
});

export type RawEnvelope = z.infer<typeof envelopeSchema>;

export interface EventEnvelope<TType extends string = string, TPayload = unknown> {
  readonly eventId: string;
  readonly type: TType;
  readonly version: number;
  readonly occurredAt: string;
  /** The aggregate key; also the Kafka message key, so it decides ordering. */
  readonly key: string;
  readonly payload: TPayload;
}

export interface EventDefinition<TType extends string = string, TPayload = unknown> {
  readonly type: TType;
  readonly version: number;
  readonly topic: TopicName;
  readonly payload: z.ZodType<TPayload>;
  /** Which payload field is the envelope key (the aggregate id). Method syntax on purpose: a
   * definition of a specific payload must fit where any definition is accepted (a registry). */
  keyOf(payload: TPayload): string;
}

export type PayloadOf<D> = D extends EventDefinition<string, infer P> ? P : never;
export type EnvelopeOf<D> =
  D extends EventDefinition<infer T, infer P> ? EventEnvelope<T, P> : never;

export function defineEvent<TType extends string, TPayload>(
  definition: EventDefinition<TType, TPayload>,
): EventDefinition<TType, TPayload> {
  return definition;
}

export interface CreateEventOptions {
  readonly eventId?: string;
  readonly occurredAt?: Date;
}

/** Builds a validated envelope; a producer can never emit a payload its consumers would reject. */
export function createEvent<TType extends string, TPayload>(
  definition: EventDefinition<TType, TPayload>,
  payload: TPayload,
  options: CreateEventOptions = {},
): EventEnvelope<TType, TPayload> {
  const parsed = definition.payload.parse(payload);
  return {
    eventId: options.eventId ?? randomUUID(),
    type: definition.type,
    version: definition.version,
    occurredAt: (options.occurredAt ?? new Date()).toISOString(),
    key: definition.keyOf(parsed),
    payload: parsed,
  };
}
