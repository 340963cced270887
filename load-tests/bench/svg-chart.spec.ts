import { escapeXml, lineChartSvg, niceTicks } from './svg-chart';

describe('niceTicks', () => {
  it('covers the maximum in round steps of 1, 2 or 5 × 10^k', () => {
    expect(niceTicks(10)).toEqual([0, 2, 4, 6, 8, 10]);
    expect(niceTicks(9_300)).toEqual([0, 2_000, 4_000, 6_000, 8_000, 10_000]);
    expect(niceTicks(37)).toEqual([0, 10, 20, 30, 40]);
    expect(niceTicks(0.7)).toEqual([0, 0.2, 0.4, 0.6, 0.8]);
  });

  it('gives a unit axis when there is nothing to show', () => {
    expect(niceTicks(0)).toEqual([0, 1]);
    expect(niceTicks(Number.NaN)).toEqual([0, 1]);
  });
});

describe('lineChartSvg', () => {
  const chart = {
    title: 'lag <per> group',
    xLabel: 'seconds',
    yLabel: 'events',
    width: 800,
    height: 360,
    series: [
      {
        name: 'inventory-service',
        points: [
          [0, 100],
          [10, 0],
        ] as const,
      },
      { name: 'not terminal', points: [[0, 50] as const], dashed: true },
    ],
  };

  it('draws one polyline per series, scaled to the plot area', () => {
    const svg = lineChartSvg(chart);
    // Plot area: x 64..610, y 36..316; the axes run to 10 s and 100 events.
    expect(svg).toContain('points="64,36 610,316"');
    expect(svg).toContain('points="64,176"');
    expect(svg.match(/<polyline /g)).toHaveLength(2);
    expect(svg).toContain('stroke-dasharray="6 4" points="64,176"');
  });

  it('labels the axes with round ticks and names every series in the legend', () => {
    const svg = lineChartSvg(chart);
    expect(svg).toMatch(/>100<\/text>/);
    expect(svg).toMatch(/>10<\/text>/);
    expect(svg).toContain('>inventory-service</text>');
    expect(svg).toContain('>not terminal</text>');
  });

  it('escapes text and is a standalone, deterministic document', () => {
    const svg = lineChartSvg(chart);
    expect(svg).toContain('lag &lt;per&gt; group');
    expect(svg.startsWith('<svg xmlns="http://www.w3.org/2000/svg"')).toBe(true);
    expect(svg.trimEnd().endsWith('</svg>')).toBe(true);
    expect(lineChartSvg(chart)).toBe(svg);
  });
});

describe('escapeXml', () => {
  it('escapes the characters that would break markup or attributes', () => {
    expect(escapeXml('a & b < c > "d"')).toBe('a &amp; b &lt; c &gt; &quot;d&quot;');
  });
});

describe('the legend', () => {
  const chart = (name: string) =>
    lineChartSvg({
      title: 't',
      xLabel: 'x',
      yLabel: 'y',
      series: [{ name, points: [[0, 1]] }],
    });
  const widthOf = (svg: string) => Number(/<svg[^>]* width="(\d+)"/.exec(svg)?.[1]);

  it('keeps the default size for short names', () => {
    expect(widthOf(chart('p50'))).toBe(800);
  });

  it('widens the image for a long name instead of cutting it', () => {
    const name = '17.5 s payment provider fast again (restart)';
    const svg = chart(name);
    expect(widthOf(svg)).toBeGreaterThan(800 - 190 + 46 + name.length * 7);
    expect(svg).toContain(`>${name}</text>`);
  });
});
