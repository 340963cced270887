import { z } from 'zod';

/**
 * The one rule for sale and order ids in request paths, in two parts, because a path can be wrong
 * in two ways:
 *
 * - `resourceId`: what an id may look like at all. Anything else is the client's mistake, 400 at
 *   the gateway. Narrower than any id a body may carry: path ids end up in Redis keys and upstream
 *   URLs, so no braces (cluster hash tags), colons, dots or slashes.
 * - `isIssuedId`: what the shop issues, UUIDs. A well-formed id that is not one names nothing
 *   that exists: 404 at order-service, without a database round trip (a uuid column would refuse
 *   it with an error, not an empty answer).
 */
export const RESOURCE_ID_SOURCE = '[A-Za-z0-9_-]{1,128}';

/** `resourceId`'s pattern; RESOURCE_ID_SOURCE is the same, for a route pattern to embed. */
export const RESOURCE_ID_PATTERN = new RegExp(`^${RESOURCE_ID_SOURCE}$`);

export const resourceId = z
  .string()
  .regex(RESOURCE_ID_PATTERN, 'must be 1-128 characters of A-Z a-z 0-9 _ -');

const ISSUED_ID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** True for an id of the form the shop issues (a UUID); see the file comment. */
export function isIssuedId(value: string): boolean {
  return ISSUED_ID.test(value);
}
