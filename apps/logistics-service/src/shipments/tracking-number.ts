/**
 * The carrier's tracking number of a shipment: "SK" and 16 upper-case hex digits of the
 * shipment id, so it is unique with the id (and the column's unique constraint says so) and
 * short enough for a label.
 */
export function trackingNumberFor(shipmentId: string): string {
  const hex = shipmentId.replace(/-/g, '').toUpperCase();
  if (!/^[0-9A-F]{32}$/.test(hex)) throw new Error(`not a UUID: ${shipmentId}`);
  return `SK${hex.slice(0, 16)}`;
}
