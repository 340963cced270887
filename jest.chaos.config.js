// npm test's last step: specs against one whole local shop on its usual ports (six services, the
// control room, the 3-broker Kafka cluster), started and stopped once by the global setup: the
// chaos smoke (load-tests/chaos) and the control room in headless Chromium (infra/control-room).
const preset = require('./jest.preset.js');

module.exports = {
  ...preset,
  displayName: 'whole shop',
  rootDir: '.',
  testMatch: ['<rootDir>/load-tests/**/*.chaos-spec.ts', '<rootDir>/infra/**/*.browser-spec.ts'],
  testPathIgnorePatterns: ['/node_modules/', '/dist/', '/.data/', '/.cache/'],
  globalSetup: '<rootDir>/infra/testing/whole-shop-setup.ts',
  globalTeardown: '<rootDir>/infra/testing/whole-shop-teardown.ts',
  testTimeout: 600000,
  maxWorkers: 1,
};
