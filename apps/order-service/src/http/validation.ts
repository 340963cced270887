const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** Sale and order ids are UUIDs; anything else names nothing that exists (a 404, not a 400). */
export function isResourceId(value: string): boolean {
  return UUID.test(value);
}
