/**
 * The requests of a run as vegeta targets (`vegeta attack -format=json`: one JSON object per
 * line, headers as lists, the body base64). Pure.
 *
 * Every request of a run has a number, its index. The index travels in the target URL's
 * fragment (`…/orders#1234`): an HTTP client never sends the fragment, so the server sees the
 * plain path, but vegeta copies the target URL into each result, so every answer maps back to
 * exactly its request. vegeta's own `seq` cannot do that: a worker takes its `seq` under one
 * lock and its target under another, so two workers racing can swap them (seen in practice:
 * 2 of 1,993 requests of a 2,000-request burst), and with `-lazy` they drift apart entirely.
 */

export interface VegetaTarget {
  readonly method: string;
  readonly url: string;
  readonly header: Record<string, string[]>;
  /** base64 */
  readonly body: string;
}

export interface Purchase {
  readonly index: number;
  readonly token: string;
  readonly idempotencyKey: string;
}

export const PURCHASE_BODY = JSON.stringify({ quantity: 1 });
const PURCHASE_BODY_BASE64 = Buffer.from(PURCHASE_BODY).toString('base64');

export function purchasePath(saleId: string): string {
  return `/api/sales/${encodeURIComponent(saleId)}/orders`;
}

/** `POST <base>/api/sales/:id/orders#<index>` with the buyer's token and its own key. */
export function purchaseTarget(base: string, saleId: string, p: Purchase): VegetaTarget {
  return {
    method: 'POST',
    url: `${base}${purchasePath(saleId)}#${p.index}`,
    header: {
      Authorization: [`Bearer ${p.token}`],
      'Content-Type': ['application/json'],
      'Idempotency-Key': [p.idempotencyKey],
    },
    body: PURCHASE_BODY_BASE64,
  };
}

export function targetLine(target: VegetaTarget): string {
  return JSON.stringify(target);
}

/** The request index in a result's URL fragment, or null. */
export function indexOfUrl(url: string): number | null {
  const hash = url.lastIndexOf('#');
  if (hash < 0) return null;
  const text = url.slice(hash + 1);
  return /^\d+$/.test(text) ? Number(text) : null;
}

/**
 * An Idempotency-Key for request `index` of run `runId`: unique per request, within the
 * contract's alphabet and length (`[A-Za-z0-9._:-]{1,100}`).
 */
export function idempotencyKey(runId: string, index: number | string): string {
  const key = `${runId}.${index}`;
  if (!/^[A-Za-z0-9._:-]{1,100}$/.test(key))
    throw new Error(`not a valid Idempotency-Key: ${key} (run id too long, or odd characters)`);
  return key;
}
