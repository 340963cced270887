// Shared Jest settings: swc transpiles TypeScript (type checking is `npm run typecheck`'s job).
const path = require('node:path');
const { compilerOptions } = require('./tsconfig.base.json');

const moduleNameMapper = {};
for (const [alias, [target]] of Object.entries(compilerOptions.paths)) {
  moduleNameMapper[`^${alias}$`] = path.join(__dirname, target);
}

// NestJS 12 and two packages under its Fastify adapter (path-to-regexp 9 in @fastify/middie, cookie 2
// in light-my-request) ship ES modules only. Node 24 loads them from CommonJS (require(esm)); Jest's
// module sandbox does not (Jest 30.5 on Node 24.21: "Must use import to load ES Module"), so swc
// turns them into CommonJS like our sources.
const esmOnly = '@nestjs/|path-to-regexp/|cookie/';

module.exports = {
  testEnvironment: 'node',
  transform: {
    '^.+\\.ts$': [
      '@swc/jest',
      {
        swcrc: false,
        jsc: {
          parser: { syntax: 'typescript', decorators: true },
          transform: { legacyDecorator: true, decoratorMetadata: true },
          target: 'es2022',
          keepClassNames: true,
        },
        module: { type: 'commonjs' },
      },
    ],
    [`/node_modules/(${esmOnly}).+\\.js$`]: [
      '@swc/jest',
      {
        swcrc: false,
        jsc: { target: 'es2022', keepClassNames: true },
        module: { type: 'commonjs' },
      },
    ],
  },
  transformIgnorePatterns: [`^(?!.*/node_modules/(${esmOnly})).*/node_modules/`],
  moduleFileExtensions: ['ts', 'js', 'json'],
  moduleNameMapper,
  testMatch: ['**/*.spec.ts'],
  clearMocks: true,
  // Apps are thin wiring until their features land; their behaviour is covered end to end.
  passWithNoTests: true,
};
