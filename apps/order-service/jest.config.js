module.exports = {
  displayName: 'order-service',
  preset: '../../jest.preset.js',
  rootDir: '.',
};
