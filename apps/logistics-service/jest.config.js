module.exports = {
  displayName: 'logistics-service',
  preset: '../../jest.preset.js',
  rootDir: '.',
};
