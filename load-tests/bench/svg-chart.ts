/**
 * A line chart as a standalone SVG document, for the figures a bench writes under docs/ (GitHub
 * renders an SVG inline, and a text format diffs). Pure and deterministic: the same series give
 * the same bytes, so a re-run only changes the file when the figures change.
 */

export interface ChartSeries {
  readonly name: string;
  /** [x, y] in data units, x ascending. */
  readonly points: readonly (readonly [number, number])[];
  readonly dashed?: boolean;
}

export interface LineChart {
  readonly title: string;
  readonly xLabel: string;
  readonly yLabel: string;
  readonly series: readonly ChartSeries[];
  readonly width?: number;
  readonly height?: number;
}

/** Distinguishable on white, in the order series are given (then repeated). */
export const CHART_COLORS = [
  '#1f77b4',
  '#d62728',
  '#2ca02c',
  '#ff7f0e',
  '#9467bd',
  '#8c564b',
  '#17becf',
  '#7f7f7f',
] as const;

const MARGIN = { top: 36, right: 190, bottom: 44, left: 64 } as const;

/**
 * Axis ticks from 0 to at least `max`: about `count` steps of 1, 2 or 5 × 10^k, so the labels
 * are round numbers. `max` ≤ 0 gives [0, 1].
 */
export function niceTicks(max: number, count = 5): number[] {
  if (!(max > 0)) return [0, 1];
  const raw = max / count;
  const magnitude = 10 ** Math.floor(Math.log10(raw));
  const step = [1, 2, 5, 10].map((m) => m * magnitude).find((s) => s >= raw) ?? 10 * magnitude;
  const ticks: number[] = [];
  for (let i = 0; ; i++) {
    // Rounded: 0.1 + 0.2 must print as 0.3.
    const tick = Number((i * step).toPrecision(12));
    ticks.push(tick);
    if (tick >= max) return ticks;
  }
}

export function escapeXml(text: string): string {
  return text
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/"/g, '&quot;');
}

/** 12345 → "12,345"; 0.5 → "0.5". */
function label(value: number): string {
  return value.toLocaleString('en-US', { maximumFractionDigits: 2 });
}

function fixed(n: number): string {
  return String(Math.round(n * 10) / 10);
}

/**
 * The legend's room right of the plot: the sample line, its gap and the longest name at about
 * 7 px a character (12 px sans-serif), never less than the default margin.
 */
function legendWidth(series: readonly ChartSeries[]): number {
  const longest = Math.max(0, ...series.map((s) => s.name.length));
  return Math.max(MARGIN.right, 46 + Math.ceil(longest * 7) + 12);
}

export function lineChartSvg(chart: LineChart): string {
  // A long legend widens the image, never shrinks the plot or cuts a name.
  const marginRight = legendWidth(chart.series);
  const width = (chart.width ?? 800) + marginRight - MARGIN.right;
  const height = chart.height ?? 360;
  const plotW = width - MARGIN.left - marginRight;
  const plotH = height - MARGIN.top - MARGIN.bottom;
  const all = chart.series.flatMap((s) => s.points);
  const xTicks = niceTicks(Math.max(0, ...all.map(([x]) => x)));
  const yTicks = niceTicks(Math.max(0, ...all.map(([, y]) => y)));
  const xMax = xTicks[xTicks.length - 1];
  const yMax = yTicks[yTicks.length - 1];
  const px = (x: number): string => fixed(MARGIN.left + (x / xMax) * plotW);
  const py = (y: number): string => fixed(MARGIN.top + plotH - (y / yMax) * plotH);
  const bottom = MARGIN.top + plotH;
  const right = MARGIN.left + plotW;

  const out: string[] = [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" font-family="sans-serif" font-size="12">`,
    `<rect width="${width}" height="${height}" fill="#ffffff"/>`,
    `<text x="${MARGIN.left}" y="20" font-size="14" font-weight="bold">${escapeXml(chart.title)}</text>`,
  ];
  for (const y of yTicks) {
    out.push(
      `<line x1="${MARGIN.left}" y1="${py(y)}" x2="${right}" y2="${py(y)}" stroke="#e5e5e5"/>`,
      `<text x="${MARGIN.left - 6}" y="${py(y)}" text-anchor="end" dominant-baseline="middle">${label(y)}</text>`,
    );
  }
  for (const x of xTicks) {
    out.push(
      `<line x1="${px(x)}" y1="${bottom}" x2="${px(x)}" y2="${bottom + 4}" stroke="#333333"/>`,
      `<text x="${px(x)}" y="${bottom + 16}" text-anchor="middle">${label(x)}</text>`,
    );
  }
  out.push(
    `<line x1="${MARGIN.left}" y1="${bottom}" x2="${right}" y2="${bottom}" stroke="#333333"/>`,
    `<line x1="${MARGIN.left}" y1="${MARGIN.top}" x2="${MARGIN.left}" y2="${bottom}" stroke="#333333"/>`,
    `<text x="${fixed(MARGIN.left + plotW / 2)}" y="${height - 8}" text-anchor="middle">${escapeXml(chart.xLabel)}</text>`,
    `<text x="14" y="${fixed(MARGIN.top + plotH / 2)}" text-anchor="middle" transform="rotate(-90 14 ${fixed(MARGIN.top + plotH / 2)})">${escapeXml(chart.yLabel)}</text>`,
  );
  chart.series.forEach((series, i) => {
    const color = CHART_COLORS[i % CHART_COLORS.length];
    const dash = series.dashed ? ' stroke-dasharray="6 4"' : '';
    if (series.points.length) {
      const points = series.points.map(([x, y]) => `${px(x)},${py(y)}`).join(' ');
      out.push(
        `<polyline fill="none" stroke="${color}" stroke-width="2"${dash} points="${points}"><title>${escapeXml(series.name)}</title></polyline>`,
      );
    }
    const ly = MARGIN.top + 8 + i * 20;
    out.push(
      `<line x1="${right + 16}" y1="${ly}" x2="${right + 40}" y2="${ly}" stroke="${color}" stroke-width="2"${dash}/>`,
      `<text x="${right + 46}" y="${ly}" dominant-baseline="middle">${escapeXml(series.name)}</text>`,
    );
  });
  out.push('</svg>');
  return `${out.join('\n')}\n`;
}
