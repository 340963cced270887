import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { evaluateGlueSource, schemaEngineLoadedVia, schemaEngineWasm } from './wasm-engine';

const REPO_ROOT = resolve(__dirname, '..', '..', '..', '..');

/** The engine's git hash is the part of the pinned package version after the last dot. */
function pinnedEngineHash(): string {
  const dir = dirname(require.resolve('@prisma/schema-engine-wasm/schema_engine_bg'));
  const { version } = JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')) as {
    version: string;
  };
  return version.slice(version.lastIndexOf('.') + 1);
}

describe('schemaEngineWasm', () => {
  it("loads the pinned engine inside Jest's sandbox (from the glue source)", () => {
    const engine = schemaEngineWasm();
    expect(engine.version()).toBe(pinnedEngineHash());
    expect(typeof engine.SchemaEngine.new).toBe('function');
    expect(schemaEngineLoadedVia()).toBe('source');
    expect(schemaEngineWasm()).toBe(engine); // instantiated once per process
  });

  it('loads through require(esm) in a plain Node process, as the CLI runs it', () => {
    const script = `
      const m = require('./libs/persistence/src/migrations/wasm-engine.ts');
      const version = m.schemaEngineWasm().version();
      process.stdout.write(JSON.stringify({ version, via: m.schemaEngineLoadedVia() }));`;
    const out = execFileSync(process.execPath, ['-r', '@swc-node/register', '-e', script], {
      cwd: REPO_ROOT,
      encoding: 'utf8',
    });
    const nodeMajorMinor = process.versions.node.split('.').map(Number);
    const requireEsm =
      nodeMajorMinor[0] > 20 || (nodeMajorMinor[0] === 20 && nodeMajorMinor[1] >= 19);
    expect(JSON.parse(out)).toEqual({
      version: pinnedEngineHash(),
      via: requireEsm ? 'require' : 'source',
    });
  });
});

describe('evaluateGlueSource', () => {
  it('turns top-level exports into the returned object', () => {
    const glue = evaluateGlueSource(
      'let wasm;\nexport function set(v) { wasm = v; }\nexport class Engine {}\nexport const answer = 42;\nexport function get() { return wasm; }\n',
    );
    expect(Object.keys(glue).sort()).toEqual(['Engine', 'answer', 'get', 'set']);
    (glue.set as (v: number) => void)(7);
    expect((glue.get as () => number)()).toBe(7);
  });

  it('refuses glue that imports or exports in a form it does not handle', () => {
    expect(() =>
      evaluateGlueSource("import { x } from './x.js';\nexport function f() {}\n"),
    ).toThrow(/import statements/);
    expect(() => evaluateGlueSource('export default function () {}\n')).toThrow(/export form/);
  });
});
