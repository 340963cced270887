import { isIssuedId, RESOURCE_ID_PATTERN, resourceId } from './resource-id';

describe('resourceId', () => {
  it.each(['sale-1', 'S_2', '0190a3c4-7d2e-7f00-8000-000000000000', 'a'.repeat(128)])(
    'accepts %s',
    (id) => {
      expect(resourceId.safeParse(id).success).toBe(true);
    },
  );

  it.each(['', 'a'.repeat(129), '{sale:1}', 'a:b', 'a.b', 'a/b', 'a b', '..'])(
    'refuses %j (it would end up in a Redis key or an upstream URL)',
    (id) => {
      expect(resourceId.safeParse(id).success).toBe(false);
    },
  );
});

describe('isIssuedId', () => {
  it('accepts UUIDs only', () => {
    expect(isIssuedId('3f1c2d9e-8a4b-4c61-9f0e-2b7d5a6c8e10')).toBe(true);
    expect(isIssuedId('3F1C2D9E-8A4B-4C61-9F0E-2B7D5A6C8E10')).toBe(true);
    for (const bad of ['', 'sale-1', '{sale:1}', '3f1c2d9e-8a4b-4c61-9f0e-2b7d5a6c8e10x']) {
      expect(isIssuedId(bad)).toBe(false);
    }
  });

  it('issues only ids that are also well-formed: a 404 is never given for what is a 400', () => {
    expect(RESOURCE_ID_PATTERN.test('3f1c2d9e-8a4b-4c61-9f0e-2b7d5a6c8e10')).toBe(true);
  });
});
