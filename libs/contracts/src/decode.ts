import type { EventDefinition, EventEnvelope } from './envelope';
import { envelopeSchema } from './envelope';

/** Why an event could not be accepted. Every one of these is non-retriable: it goes to the DLQ. */
export type DecodeFailureReason =
  | 'EMPTY_MESSAGE'
  | 'MALFORMED_JSON'
  | 'INVALID_ENVELOPE'
  | 'UNKNOWN_EVENT_TYPE'
  | 'INVALID_PAYLOAD';

export type DecodeResult =
  | { readonly ok: true; readonly event: EventEnvelope }
  | { readonly ok: false; readonly reason: DecodeFailureReason; readonly detail: string };

export class EventRegistry {
  private readonly definitions = new Map<string, EventDefinition>();

  constructor(definitions: readonly EventDefinition[]) {
    for (const definition of definitions) {
      const id = EventRegistry.id(definition.type, definition.version);
      if (this.definitions.has(id)) throw new Error(`event ${id} is defined twice`);
      this.definitions.set(id, definition);
    }
  }

  static id(type: string, version: number): string {
    return `${type}@v${version}`;
  }

  get(type: string, version: number): EventDefinition | undefined {
    return this.definitions.get(EventRegistry.id(type, version));
  }

  all(): readonly EventDefinition[] {
    return [...this.definitions.values()];
  }

  /** Parses a Kafka message value into a validated envelope, or says precisely why not. */
  decode(value: Buffer | string | null | undefined): DecodeResult {
    if (value === null || value === undefined || value.length === 0) {
      return { ok: false, reason: 'EMPTY_MESSAGE', detail: 'message has no value' };
    }
    let json: unknown;
    try {
      json = JSON.parse(value.toString());
    } catch (error) {
      return { ok: false, reason: 'MALFORMED_JSON', detail: (error as Error).message };
    }
    const envelope = envelopeSchema.safeParse(json);
    if (!envelope.success) {
      return { ok: false, reason: 'INVALID_ENVELOPE', detail: summarise(envelope.error.issues) };
    }
    const { type, version } = envelope.data;
    const definition = this.get(type, version);
    if (!definition) {
      return {
        ok: false,
        reason: 'UNKNOWN_EVENT_TYPE',
        detail: `no schema for ${EventRegistry.id(type, version)}`,
      };
    }
    const payload = definition.payload.safeParse(envelope.data.payload);
    if (!payload.success) {
      return { ok: false, reason: 'INVALID_PAYLOAD', detail: summarise(payload.error.issues) };
    }
    return { ok: true, event: { ...envelope.data, payload: payload.data } };
  }
}

function summarise(issues: readonly { path: PropertyKey[]; message: string }[]): string {
  return issues
    .map((issue) => `${issue.path.map(String).join('.') || '(root)'}: ${issue.message}`)
    .join('; ');
}
