// The chaos smoke (npm test's last step): short chaos experiments against a real local shop on
// its usual ports, with the 3-broker Kafka cluster; the spec starts and stops the shop itself.
const preset = require('./jest.preset.js');

module.exports = {
  ...preset,
  displayName: 'chaos',
  rootDir: '.',
  testMatch: ['<rootDir>/load-tests/**/*.chaos-spec.ts'],
  testPathIgnorePatterns: ['/node_modules/', '/dist/', '/.data/', '/.cache/'],
  testTimeout: 600000,
  maxWorkers: 1,
};
