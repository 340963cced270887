// The docs once cited scripts package.json lacks (issue 13): each `npm run <name>` must be one.
import { readdirSync, readFileSync } from 'node:fs';
import * as path from 'node:path';

const ROOT = path.resolve(__dirname, '..', '..');
const SCRIPTS = Object.keys(
  (JSON.parse(readFileSync(path.join(ROOT, 'package.json'), 'utf8')) as { scripts: object })
    .scripts,
);

/** README.md and every markdown file under docs/, apps/, libs/, load-tests/ and infra/. */
function markdownFiles(): string[] {
  const nested = ['docs', 'apps', 'libs', 'load-tests', 'infra'].flatMap((dir) =>
    readdirSync(path.join(ROOT, dir), { withFileTypes: true, recursive: true })
      .filter((e) => e.isFile() && e.name.endsWith('.md'))
      .map((e) => path.relative(ROOT, path.join(e.parentPath, e.name)))
      .filter((f) => !f.split(path.sep).includes('node_modules')),
  );
  return ['README.md', ...nested.sort()];
}

/** Each `npm run [--flags] <name>` in text, with its line (`npm test`, `npm ci` are npm's own). */
function cited(text: string): { name: string; line: number }[] {
  return [...text.matchAll(/\bnpm\s+run\s+(?:--?[\w-]+\s+)*([\w-]+(?:[:.][\w-]+)*)/g)].map((m) => ({
    name: m[1],
    line: text.slice(0, m.index).split('\n').length,
  }));
}

describe('cited', () => {
  it('finds the script name after flags, before arguments and punctuation, across a line break', () => {
    const text = [
      '`npm run --silent typecheck`, `npm run shop -- --brokers 3`, `npm test`, `npm ci`,',
      'a short `npm run chaos --',
      'kill-consumer inventory`; run npm',
      'run db:migrate. Then npm run verify.',
    ].join('\n');
    expect(cited(text)).toEqual([
      { name: 'typecheck', line: 1 },
      { name: 'shop', line: 1 },
      { name: 'chaos', line: 2 },
      { name: 'db:migrate', line: 3 },
      { name: 'verify', line: 4 },
    ]);
  });
});

describe('the docs cite only scripts that package.json defines', () => {
  const files = markdownFiles();

  it('reads the README and the docs', () => {
    expect(files).toEqual(expect.arrayContaining(['README.md', path.join('docs', 'seed-map.md')]));
  });

  it.each(files)('%s', (file) => {
    const missing = cited(readFileSync(path.join(ROOT, file), 'utf8'))
      .filter(({ name }) => !SCRIPTS.includes(name))
      .map(({ name, line }) => `${file}:${line}: npm run ${name}`);
    expect(missing).toEqual([]);
  });
});
