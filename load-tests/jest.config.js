// Unit tests of the load engine's pure parts (no vegeta, no shop, no wall clock).
module.exports = {
  displayName: 'load-tests',
  preset: '../jest.preset.js',
  rootDir: '.',
  testMatch: ['<rootDir>/**/*.spec.ts'],
};
