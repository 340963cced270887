// Unit tests of the infra tooling (no real servers). The integration spec next to the runner
// (infra/local/infra.int-spec.ts) runs under the root jest.integration.config.js.
module.exports = {
  displayName: 'infra',
  preset: '../jest.preset.js',
  rootDir: '.',
  testMatch: ['<rootDir>/**/*.spec.ts'],
  testPathIgnorePatterns: ['/node_modules/', '\\.int-spec\\.ts$'],
};
