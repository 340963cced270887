// Unit tests of the end-to-end harness (no servers). The end-to-end specs themselves
// (`*.int-spec.ts`) boot the compiled services and run under the root jest.integration.config.js.
module.exports = {
  displayName: 'shop-e2e',
  preset: '../../jest.preset.js',
  rootDir: '.',
  testPathIgnorePatterns: ['/node_modules/', '\\.int-spec\\.ts$'],
};
