/**
 * The page's files, built once when the control room starts: index.html and style.css as they
 * are, app.ts compiled to a browser module by swc (the compiler the repository already uses), and
 * uPlot (MIT) from node_modules. No bundler: the page is one module and one library.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { transformFileSync } from '@swc/core';

export type Assets = ReadonlyMap<string, { readonly type: string; readonly body: Buffer }>;

export function pageAssets(): Assets {
  const page = path.join(__dirname, 'page');
  const uplot = path.dirname(require.resolve('uplot/dist/uPlot.iife.min.js'));
  const app = transformFileSync(path.join(page, 'app.ts'), {
    jsc: { parser: { syntax: 'typescript' }, target: 'es2022' },
    module: { type: 'es6' },
    sourceMaps: false,
    swcrc: false,
  });
  return new Map([
    [
      'index.html',
      { type: 'text/html; charset=utf-8', body: fs.readFileSync(path.join(page, 'index.html')) },
    ],
    [
      'style.css',
      { type: 'text/css; charset=utf-8', body: fs.readFileSync(path.join(page, 'style.css')) },
    ],
    ['app.js', { type: 'text/javascript; charset=utf-8', body: Buffer.from(app.code) }],
    [
      'uPlot.iife.min.js',
      {
        type: 'text/javascript; charset=utf-8',
        body: fs.readFileSync(path.join(uplot, 'uPlot.iife.min.js')),
      },
    ],
    [
      'uPlot.min.css',
      { type: 'text/css; charset=utf-8', body: fs.readFileSync(path.join(uplot, 'uPlot.min.css')) },
    ],
  ]);
}
