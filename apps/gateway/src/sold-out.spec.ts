import { SoldOutSales } from './sold-out';

function listening(): SoldOutSales {
  const sales = new SoldOutSales();
  sales.startListening();
  return sales;
}

describe('SoldOutSales', () => {
  it('remembers a sale announced sold out and forgets it when stock returns', () => {
    const sales = listening();
    sales.apply('s1', true);
    expect(sales.has('s1')).toBe(true);
    expect(sales.has('s2')).toBe(false);
    sales.apply('s1', false);
    expect(sales.has('s1')).toBe(false);
  });

  it('learns from a 409 SOLD_OUT answer', () => {
    const sales = listening();
    const snapshot = sales.snapshot();
    sales.learnFromAnswer('s1', snapshot);
    expect(sales.has('s1')).toBe(true);
  });

  it('ignores a 409 overtaken by a restock (the restock is newer)', () => {
    const sales = listening();
    const snapshot = sales.snapshot(); // request forwarded
    sales.apply('s1', false); // restocked while it was in flight
    sales.learnFromAnswer('s1', snapshot); // the stale SOLD_OUT answer arrives
    expect(sales.has('s1')).toBe(false);
    // A request forwarded after the restock may teach it again.
    sales.learnFromAnswer('s1', sales.snapshot());
    expect(sales.has('s1')).toBe(true);
  });

  it('forgets everything when the channel is lost and learns nothing until it is back', () => {
    const sales = listening();
    sales.apply('s1', true);
    const snapshot = sales.snapshot();
    sales.stopListening();
    expect(sales.has('s1')).toBe(false);
    expect(sales.size).toBe(0);
    sales.learnFromAnswer('s2', sales.snapshot());
    expect(sales.has('s2')).toBe(false);
    sales.startListening();
    // An answer to a request sent before the subscription came back may be stale.
    sales.learnFromAnswer('s2', snapshot);
    expect(sales.has('s2')).toBe(false);
    sales.learnFromAnswer('s2', sales.snapshot());
    expect(sales.has('s2')).toBe(true);
  });

  it('starts out not listening', () => {
    const sales = new SoldOutSales();
    sales.learnFromAnswer('s1', sales.snapshot());
    expect(sales.has('s1')).toBe(false);
  });
});
