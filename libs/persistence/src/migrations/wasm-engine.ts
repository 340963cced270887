import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import type { SchemaEngine } from '@prisma/schema-engine-wasm';

/**
 * Loads `@prisma/schema-engine-wasm` by hand.
 *
 * The package is bundler-only: its entry point `import`s the `.wasm` file, which Node cannot do.
 * Its wasm-bindgen glue (`schema_engine_bg.js`) has no imports of its own, so we load the glue,
 * instantiate the `.wasm` with the glue as its import object, and hand the instance back to the
 * glue: exactly what the bundler-generated entry point does.
 */

type WasmExports = Record<string, unknown>;

/** The glue's exports this module relies on. */
interface SchemaEngineGlue {
  readonly SchemaEngine: typeof SchemaEngine;
  readonly version: () => string;
  readonly __wbg_set_wasm: (exports: WasmExports) => void;
}

/**
 * The slice of the WebAssembly JS API used here. Node has the global; the project's TypeScript
 * libs (ES2022, no DOM) do not declare it.
 */
interface WasmApi {
  Module: new (bytes: Uint8Array) => object;
  Instance: new (
    module: object,
    imports: Record<string, Record<string, unknown>>,
  ) => { readonly exports: WasmExports };
}
const wasmApi = (globalThis as unknown as { WebAssembly: WasmApi }).WebAssembly;

const PACKAGE = '@prisma/schema-engine-wasm';
/** The wasm module imports everything from this module name (the glue's file name). */
const GLUE_IMPORT_NAME = './schema_engine_bg.js';

let loaded: SchemaEngineGlue | undefined;
let loadedVia: 'require' | 'source' | undefined;

/** How the glue was loaded in this process (diagnostics and tests). */
export function schemaEngineLoadedVia(): 'require' | 'source' | undefined {
  return loadedVia;
}

/** The engine's glue module, instantiated once per process (compiling takes ~30 ms). */
export function schemaEngineWasm(): SchemaEngineGlue {
  if (loaded) return loaded;
  const gluePath = require.resolve(`${PACKAGE}/schema_engine_bg`);
  const glue = loadGlue(gluePath);
  const wasmModule = new wasmApi.Module(
    readFileSync(join(dirname(gluePath), 'schema_engine_bg.wasm')),
  );
  const instance = new wasmApi.Instance(wasmModule, {
    [GLUE_IMPORT_NAME]: withUnrefTimers(glue as unknown as Record<string, unknown>),
  });
  glue.__wbg_set_wasm(instance.exports);
  const start = instance.exports['__wbindgen_start'];
  if (typeof start === 'function') start();
  loaded = glue;
  return glue;
}

/**
 * The engine arms timers (e.g. a 10 s timeout around applying migrations) that it never clears;
 * each would keep a finished CLI alive until it fired. Unref'd, they still fire while the engine
 * is waiting on the database (the socket keeps the process alive), and never hold it open.
 */
function withUnrefTimers(glue: Record<string, unknown>): Record<string, unknown> {
  const imports: Record<string, unknown> = { ...glue };
  for (const name of Object.keys(glue)) {
    if (!name.startsWith('__wbg_setTimeout_')) continue;
    imports[name] = (callback: () => void, ms: number) => {
      const timer = setTimeout(callback, ms >>> 0);
      timer.unref();
      return timer;
    };
  }
  return imports;
}

function loadGlue(gluePath: string): SchemaEngineGlue {
  try {
    // Node >= 20.19 loads an ES module through require(); anchoring the require in the package
    // resolves it exactly as the package sees itself.
    const glue = asGlue(createRequire(gluePath)(gluePath));
    loadedVia = 'require';
    return glue;
  } catch (error) {
    // Jest's module sandbox (and Node < 20.19) cannot require() an ES module.
    // The glue is plain top-level declarations, so evaluate it as a function body instead.
    try {
      const glue = asGlue(evaluateGlueSource(readFileSync(gluePath, 'utf8')));
      loadedVia = 'source';
      return glue;
    } catch (fallbackError) {
      throw new Error(
        `cannot load ${PACKAGE} from ${gluePath}: ${describe(error)}; fallback: ${describe(fallbackError)}`,
        { cause: fallbackError },
      );
    }
  }
}

/**
 * Evaluates wasm-bindgen's `--target bundler` glue without an ES module loader: every `export`
 * in it is a top-level `export function|class|const|let NAME`, and it imports nothing (checked).
 */
export function evaluateGlueSource(source: string): Record<string, unknown> {
  if (/^\s*import[\s{*]/m.test(source)) {
    throw new Error('the glue has import statements; the pinned engine version changed shape');
  }
  const names: string[] = [];
  const body = source.replace(
    /^export\s+(function|class|const|let)\s+([A-Za-z_$][\w$]*)/gm,
    (_match, kind: string, name: string) => {
      names.push(name);
      return `${kind} ${name}`;
    },
  );
  if (/^export\s/m.test(body)) {
    throw new Error('the glue has an export form this loader does not handle');
  }
  // The glue reaches `module.require` only as a last-resort source of randomness;
  // globalThis.crypto comes first and Node has it.
  const factory = new Function(
    `"use strict";\n${body}\nreturn { ${names.join(', ')} };`,
  ) as () => Record<string, unknown>;
  return factory();
}

function asGlue(candidate: unknown): SchemaEngineGlue {
  if (
    typeof candidate === 'object' &&
    candidate !== null &&
    typeof (candidate as Record<string, unknown>)['SchemaEngine'] === 'function' &&
    typeof (candidate as Record<string, unknown>)['__wbg_set_wasm'] === 'function' &&
    typeof (candidate as Record<string, unknown>)['version'] === 'function'
  ) {
    return candidate as SchemaEngineGlue;
  }
  throw new Error(`${PACKAGE} glue does not export SchemaEngine / __wbg_set_wasm / version`);
}

function describe(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
