import { missingPackages } from './infra-apt';

describe('missingPackages', () => {
  it('keeps only absent packages, each once', () => {
    const needs = [
      { pkg: 'postgresql', why: 'db', present: () => true },
      { pkg: 'redis-server', why: 'cache', present: () => false },
      { pkg: 'redis-server', why: 'again', present: () => false },
      { pkg: 'maven', why: 'jars', present: () => false },
    ];
    expect(missingPackages(needs).map((n) => n.pkg)).toEqual(['redis-server', 'maven']);
  });
});
