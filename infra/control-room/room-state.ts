/**
 * What the control room sends its pages: one `RoomSnapshot` a second over SSE, timeline entries
 * as they happen, and the demo's state. The page (page/app.ts) imports these types only, so the
 * server and the page cannot disagree on a field.
 */

/** How the gateway answered purchases, as the control room groups them. */
export const ARRIVAL_OUTCOMES = [
  'accepted',
  'soldOut',
  'rateLimited',
  'shed',
  'clientError',
  'serverError',
] as const;
export type ArrivalOutcome = (typeof ARRIVAL_OUTCOMES)[number];

/** The reason of a store not read yet: the control room just started, nothing failed. */
export const NOT_READ_YET = 'not read yet';

/** A value read from a store, or why there is none now (the page shows the reason). */
export type Reading<T> =
  | { readonly ok: true; readonly value: T; readonly atMs: number }
  | { readonly ok: false; readonly error: string; readonly atMs: number };

export interface Arrivals {
  /** Purchases answered per second since the previous read of the gateway, by outcome. */
  readonly perSecond: Readonly<Record<ArrivalOutcome, number>>;
  /** Latency of those answers (ms), from the gateway's histogram; null when none. */
  readonly latencyMs: {
    readonly p50: number | null;
    readonly p95: number | null;
    readonly p99: number | null;
  };
}

export interface GroupLag {
  readonly group: string;
  /** The service's processing-rate cap in events/s (peak shaving); null if it does not say. */
  readonly rateCap: number | null;
  readonly total: number;
  /** Lag per partition number, summed over the group's topics. */
  readonly partitions: readonly number[];
  /** Events the group committed per second since the previous read. */
  readonly drainPerSecond: number;
}

export interface SaleView {
  readonly saleId: string;
  readonly name: string;
  readonly stock: number;
  readonly flow: string;
  /** Remaining units in Redis (admission); null: no key (a sync sale, or Redis lost it). */
  readonly stockRedis: number | null;
  /** inventory-service's `sale_stock.available`; null until inventory has the sale. */
  readonly stockPostgres: number | null;
  /** The sale's orders by saga state (PENDING, RESERVED, PAID, SHIPPED, FAILED, ...). */
  readonly ordersByStatus: Readonly<Record<string, number>>;
}

export interface ServiceHealth {
  readonly service: string;
  readonly url: string;
  readonly ready: boolean;
  /** "ready", or why not (the service's own 503 body, or the transport error). */
  readonly detail: string;
}

export interface Backlogs {
  readonly deadLetters: number;
  /** Entries of the sales' Redis outbox streams not yet published. */
  readonly outboxRedis: number;
  /** Rows with `published_at` null, over the five services' outbox tables. */
  readonly outboxPostgres: number;
}

export interface Topology {
  readonly brokers: { readonly expected: number; readonly up: number };
  /** Each consumer group and the topics it reads, with the events each topic holds now. */
  readonly topics: readonly { readonly topic: string; readonly messages: number }[];
  readonly groups: readonly { readonly group: string; readonly topics: readonly string[] }[];
}

export interface RoomSnapshot {
  readonly atMs: number;
  readonly arrivals: Reading<Arrivals>;
  readonly sale: Reading<SaleView | null>;
  readonly lag: Reading<readonly GroupLag[]>;
  readonly backlogs: Reading<Backlogs>;
  readonly topology: Reading<Topology>;
  readonly health: readonly ServiceHealth[];
}

export type TimelineKind = 'fault' | 'recovery' | 'demo' | 'action';

export interface TimelineEntry {
  readonly atMs: number;
  readonly kind: TimelineKind;
  readonly text: string;
}

export interface DemoState {
  readonly name: string;
  readonly state: 'running' | 'passed' | 'failed' | 'stopped';
  readonly startedAtMs: number;
  readonly endedAtMs: number | null;
  /** The command's output so far (the last lines). */
  readonly lines: readonly string[];
}

/** The first message a page receives: enough to draw everything at once. */
export interface Hello {
  readonly history: readonly RoomSnapshot[];
  readonly timeline: readonly TimelineEntry[];
  readonly demo: DemoState | null;
  readonly actionsEnabled: boolean;
  /** Jaeger's UI, to link an order to its trace; null when tracing is off. */
  readonly tracesUrl: string | null;
}
