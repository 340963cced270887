import type { CompareReport } from './compare';
import { answerFigures } from './figures';
import { COMPARE_DOC_MARKERS, compareMarkdown, formatCompare } from './report';

const figures = answerFigures([]);

const report: CompareReport = {
  commit: 'abc1234',
  startedAt: '2026-12-07T12:00:00.000Z',
  invocation: 'npm run bench -- compare',
  file: '/tmp/compare.json',
  phases: [
    {
      phase: 'flash-sale',
      what: '2,000 buyers at once for 100 units',
      designs: [
        {
          design: 'events',
          windows: [{ name: 'burst', figures: { ...figures, sent: 2000, bought: 100 } }],
          kept: 100,
          stock: 100,
          invariantsHeld: true,
          broken: [],
          runDir: '/tmp/a',
        },
        {
          design: 'sync',
          windows: [{ name: 'burst', figures: { ...figures, sent: 2000, bought: 96 } }],
          kept: 101,
          stock: 100,
          invariantsHeld: false,
          broken: ['stock conserved (kept + remaining == stock)'],
          runDir: '/tmp/b',
        },
      ],
    },
  ],
};

describe('the comparison report', () => {
  it('names the commit, each design, an oversell and a broken invariant', () => {
    const text = formatCompare(report).join('\n');
    expect(text).toContain('code abc1234');
    expect(text).toMatch(/events\s+burst\s+2,000\s+100/);
    expect(text).toContain('101 / 100 OVERSOLD');
    expect(text).toContain('BROKEN: stock conserved (kept + remaining == stock)');
  });

  it('is a Markdown table per phase for docs/benchmarks.md, between its markers', () => {
    const markdown = compareMarkdown(report);
    expect(markdown).toContain('### flash-sale');
    expect(markdown).toContain('| events | burst | 2,000 | 100 |');
    expect(markdown).toContain('`npm run bench -- compare`');
    expect(COMPARE_DOC_MARKERS.begin).toContain('npm run bench -- compare --update-docs');
  });
});
