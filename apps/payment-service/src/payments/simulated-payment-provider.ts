import { randomUUID } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { Coalescer, NonRetriableError, RetriableError } from '@seckill/kafka';
import type { PaymentDatabase } from '../database';
import type { ProviderCharge } from '../generated/prisma/client';

/**
 * What the simulated provider does with one call: approve, decline, time out before charging,
 * or charge and then lose the answer (the caller sees a timeout, but the money was taken: the
 * case an idempotency key exists for).
 */
export type ProviderDecision = 'APPROVE' | 'DECLINE' | 'TIMEOUT' | 'LOST_ANSWER';

export interface ProviderRates {
  /** Share of calls declined for good. */
  readonly failureRate: number;
  /** Share of calls that time out (transient); half of them after the charge was made. */
  readonly timeoutRate: number;
}

export interface ProviderSettings extends ProviderRates {
  readonly latencyMs: number;
  readonly timeoutMs: number;
  /**
   * How long the answer to a charge takes to come back after the provider wrote it to its
   * ledger (default 0): the part of a round trip in which a caller that crashes has been charged
   * without knowing it.
   */
  readonly answerDelayMs?: number;
}

/**
 * Maps a uniform number in [0, 1) to a decision: the first `failureRate` of the interval
 * declines, the next `timeoutRate` times out (its first half before the charge, its second half
 * after it), the rest approves.
 */
export function decide(
  uniform: number,
  { failureRate, timeoutRate }: ProviderRates,
): ProviderDecision {
  if (uniform < failureRate) return 'DECLINE';
  if (uniform < failureRate + timeoutRate / 2) return 'TIMEOUT';
  if (uniform < failureRate + timeoutRate) return 'LOST_ANSWER';
  return 'APPROVE';
}

/** Where decisions come from; tests inject a scripted one so every run is the same. */
export type DecisionSource = (idempotencyKey: string, attempt: number) => ProviderDecision;

export function randomDecisions(
  rates: ProviderRates,
  random: () => number = Math.random,
): DecisionSource {
  return () => decide(random(), rates);
}

/** The provider did not answer in time: the charge may or may not have been made. Transient. */
export class PaymentTimeoutError extends RetriableError {
  constructor(idempotencyKey: string, timeoutMs: number) {
    super(`payment provider timed out after ${timeoutMs} ms (idempotency key ${idempotencyKey})`);
  }
}

/** The key was first used with other parameters (Stripe: `idempotency_key_reused`). Final. */
export class IdempotencyKeyReusedError extends NonRetriableError {
  constructor(idempotencyKey: string) {
    super(
      `idempotency key ${idempotencyKey} was first used with other parameters`,
      'IDEMPOTENCY_KEY_REUSED',
    );
  }
}

export interface ChargeRequest {
  /** payment-service sends the order id: one order, one charge, however often it asks. */
  readonly idempotencyKey: string;
  readonly amountCents: number;
}

/** The provider's answer, as its API would give it. */
export interface Charge {
  readonly chargeId: string;
  readonly status: 'SUCCEEDED' | 'DECLINED' | 'REFUNDED';
  readonly reason: string | null;
  readonly amountCents: number;
}

export const DECLINE_REASON = 'card declined by the payment provider (simulated)';

/**
 * A stand-in for a card processor, outside payment-service's transactions: its ledger is the
 * `provider_charges` table, written on its own connection and committed by itself, as a real
 * provider's would be. It follows Stripe's idempotency rules:
 * - a charge is made once per idempotency key; asking again with the key returns the first
 *   answer and charges nothing (also after a timeout, whether or not that call had charged);
 * - a call with a key whose first call is still in flight waits for it and gets its charge
 *   (decided once, in this process; across processes the ledger's unique key keeps one charge);
 * - the same key with other parameters is refused (`IdempotencyKeyReusedError`);
 * - `retrieve(key)` says what happened to a key, so a caller that crashed can ask.
 * Every call takes `latencyMs`, and a charge's answer `answerDelayMs` more after the ledger write;
 * `decisions` says approve, decline or time out.
 */
export class SimulatedPaymentProvider {
  /**
   * The ledger's look-ups and writes of the calls in flight together, one statement each
   * (group commit): a simulation must not cost the shop's database two statements per charge,
   * a third of all the statements of a sale. Each call still gets its own answer.
   */
  private readonly lookups = new Coalescer<string, ProviderCharge | null>(
    (keys) => this.findMany(keys),
    { maxWeight: LEDGER_BATCH },
  );
  private readonly writes = new Coalescer<LedgerWrite, ProviderCharge>(
    (rows) => this.recordMany(rows),
    { maxWeight: LEDGER_BATCH },
  );

  /** The first call of each key still deciding (see `charge`). */
  private readonly deciding = new Map<string, Promise<ProviderCharge>>();
  /** Charges made whose answer the first caller must not get (LOST_ANSWER). */
  private readonly lostAnswers = new WeakSet<ProviderCharge>();

  constructor(
    private readonly ledger: PaymentDatabase,
    private readonly settings: ProviderSettings,
    private readonly decisions: DecisionSource = randomDecisions(settings),
  ) {}

  async charge(request: ChargeRequest, attempt = 1): Promise<Charge> {
    const key = request.idempotencyKey;
    // A call with a key whose first call is still deciding gets that call's charge: together,
    // both would decide (the ledger would still keep one charge, but the provider decides once).
    const first = this.deciding.get(key);
    if (first) {
      const charge = await first.catch(() => null);
      if (charge) return this.replay(charge, request);
    }
    const mine = this.decide(request, attempt);
    this.deciding.set(key, mine);
    try {
      const charge = await mine;
      if (this.deciding.get(key) === mine) this.deciding.delete(key);
      if (this.lostAnswers.delete(charge)) return this.timeOut(key);
      await pause(this.settings.answerDelayMs ?? 0);
      return this.replay(charge, request);
    } catch (error) {
      if (this.deciding.get(key) === mine) this.deciding.delete(key);
      throw error;
    }
  }

  /** The ledger's charge for the key: found, or decided and written now; throws on a timeout. */
  private async decide(request: ChargeRequest, attempt: number): Promise<ProviderCharge> {
    await pause(this.settings.latencyMs);
    const existing = await this.find(request.idempotencyKey);
    if (existing) return existing;

    const decision = this.decisions(request.idempotencyKey, attempt);
    if (decision === 'TIMEOUT') return this.timeOut(request.idempotencyKey);
    const status = decision === 'DECLINE' ? 'DECLINED' : 'SUCCEEDED';
    const charge = await this.writes.add({ request, status });
    // Charged, but the caller never hears it: a later call with the key finds the charge.
    if (decision === 'LOST_ANSWER') this.lostAnswers.add(charge);
    return charge;
  }

  /** What became of a key; null if no charge was made with it. */
  async retrieve(idempotencyKey: string): Promise<Charge | null> {
    await pause(this.settings.latencyMs);
    const charge = await this.find(idempotencyKey);
    return charge && toCharge(charge);
  }

  /** Gives a succeeded charge back, once; null when there is nothing to refund. */
  async refund(idempotencyKey: string): Promise<Charge | null> {
    await pause(this.settings.latencyMs);
    const [refunded] = await this.ledger.providerCharge.updateManyAndReturn({
      where: { idempotencyKey, status: 'SUCCEEDED' },
      data: { status: 'REFUNDED', refundedAt: new Date() },
    });
    if (refunded) return toCharge(refunded);
    const charge = await this.find(idempotencyKey);
    return charge?.status === 'REFUNDED' ? toCharge(charge) : null;
  }

  private find(idempotencyKey: string): Promise<ProviderCharge | null> {
    return this.lookups.add(idempotencyKey);
  }

  private async findMany(keys: readonly string[]): Promise<Array<ProviderCharge | null>> {
    const rows = await this.ledger.providerCharge.findMany({
      where: { idempotencyKey: { in: [...new Set(keys)] } },
    });
    const byKey = new Map(rows.map((row) => [row.idempotencyKey, row]));
    return keys.map((key) => byKey.get(key) ?? null);
  }

  /**
   * Writes the charges to the ledger, or finds the ones a concurrent call with the key made first
   * (its answer is the answer, also for a second call with the key in the same batch), in one
   * statement: DO UPDATE rather than DO NOTHING because only an updated row is returned; the
   * update changes nothing.
   */
  private async recordMany(writes: readonly LedgerWrite[]): Promise<ProviderCharge[]> {
    const byFirstKey = new Map<string, LedgerWrite>();
    for (const write of writes) {
      const key = write.request.idempotencyKey;
      if (!byFirstKey.has(key)) byFirstKey.set(key, write);
    }
    const unique = [...byFirstKey.values()];
    const rows = await this.ledger.$queryRaw<ProviderCharge[]>`
      INSERT INTO provider_charges (idempotency_key, charge_id, amount_cents, status, reason)
      SELECT key, charge_id, amount_cents, status,
             CASE WHEN status = 'DECLINED' THEN ${DECLINE_REASON} END
      FROM unnest(
        ${unique.map((w) => w.request.idempotencyKey)}::text[],
        ${unique.map(() => randomUUID())}::uuid[],
        ${unique.map((w) => w.request.amountCents)}::int[],
        ${unique.map((w) => w.status)}::provider_charge_status[]
      ) AS t(key, charge_id, amount_cents, status)
      ON CONFLICT (idempotency_key) DO UPDATE SET idempotency_key = EXCLUDED.idempotency_key
      RETURNING idempotency_key AS "idempotencyKey", charge_id AS "chargeId",
                amount_cents AS "amountCents", status::text AS status, reason,
                created_at AS "createdAt", refunded_at AS "refundedAt"`;
    const byKey = new Map(rows.map((row) => [row.idempotencyKey, row]));
    return writes.map(({ request }) => {
      const charge = byKey.get(request.idempotencyKey);
      if (!charge) throw new Error(`charge ${request.idempotencyKey} missing from the ledger`);
      return charge;
    });
  }

  private replay(charge: ProviderCharge, request: ChargeRequest): Charge {
    if (charge.amountCents !== request.amountCents) {
      throw new IdempotencyKeyReusedError(request.idempotencyKey);
    }
    return toCharge(charge);
  }

  private async timeOut(idempotencyKey: string): Promise<never> {
    await pause(this.settings.timeoutMs);
    throw new PaymentTimeoutError(idempotencyKey, this.settings.timeoutMs);
  }
}

/** Ledger calls in one statement at most. */
const LEDGER_BATCH = 500;

/** A charge the provider decided to make, for the ledger. */
interface LedgerWrite {
  readonly request: ChargeRequest;
  readonly status: 'SUCCEEDED' | 'DECLINED';
}

function toCharge(row: ProviderCharge): Charge {
  return {
    chargeId: row.chargeId,
    status: row.status,
    reason: row.reason,
    amountCents: row.amountCents,
  };
}

function pause(ms: number): Promise<void> {
  return ms > 0 ? sleep(ms) : Promise.resolve();
}
