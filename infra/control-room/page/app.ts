/**
 * The control room's page: one EventSource, charts drawn by uPlot, panels rewritten from each
 * snapshot. Everything shown comes from the server's snapshots (room-state.ts); the page keeps
 * the last two minutes to draw and exposes them as `window.controlRoom` for the browser test.
 */
import type UPlot from 'uplot';
import type { ArrivalOutcome, DemoState, Hello, RoomSnapshot, TimelineEntry } from '../room-state';

declare const uPlot: typeof UPlot;

interface DemoInfo {
  readonly name: string;
  readonly seedDemo: string;
  readonly seedSection: string;
  readonly title: string;
  readonly watch: string;
}

interface PageState {
  snapshots: RoomSnapshot[];
  timeline: TimelineEntry[];
  demo: DemoState | null;
  actionsEnabled: boolean;
  tracesUrl: string | null;
}

declare global {
  interface Window {
    controlRoom: PageState;
  }
}

const KEPT = 120;
const OUTCOMES: readonly { key: ArrivalOutcome; label: string; color: string }[] = [
  { key: 'accepted', label: '202 accepted', color: '#3fb950' },
  { key: 'soldOut', label: '409 sold out', color: '#58a6ff' },
  { key: 'rateLimited', label: '429 rate limited', color: '#d29922' },
  { key: 'shed', label: '503 shed', color: '#db6d28' },
  { key: 'clientError', label: 'other 4xx', color: '#a371f7' },
  { key: 'serverError', label: '5xx', color: '#f85149' },
];
const GROUP_COLORS = ['#3fb950', '#58a6ff', '#d29922', '#a371f7', '#db6d28', '#f85149'];
const SAGA_STATES = ['PENDING', 'RESERVED', 'PAID', 'SHIPPED', 'FAILED', 'CANCELLED'];

const state: PageState = {
  snapshots: [],
  timeline: [],
  demo: null,
  actionsEnabled: false,
  tracesUrl: null,
};
window.controlRoom = state;

const byId = <T extends HTMLElement = HTMLElement>(id: string): T => {
  const element = document.getElementById(id);
  if (!element) throw new Error(`the page has no #${id}`);
  return element as T;
};
const fmt = (n: number | null | undefined, digits = 0): string =>
  n === null || n === undefined || Number.isNaN(n) ? '–' : n.toFixed(digits);
const clock = (ms: number): string => new Date(ms).toLocaleTimeString();

function element<K extends keyof HTMLElementTagNameMap>(
  tag: K,
  props: Partial<HTMLElementTagNameMap[K]> & { dataset?: Record<string, string> } = {},
  ...children: (Node | string)[]
): HTMLElementTagNameMap[K] {
  const node = document.createElement(tag);
  const { dataset, ...rest } = props;
  Object.assign(node, rest);
  for (const [key, value] of Object.entries(dataset ?? {})) node.dataset[key] = value;
  node.append(...children);
  return node;
}

/** A uPlot time chart that fills its box and is redrawn from columns. */
function timeChart(id: string, series: { label: string; color: string }[]): UPlot {
  const box = byId(id);
  const chart = new uPlot(
    {
      width: box.clientWidth || 400,
      height: box.clientHeight || 200,
      scales: { x: { time: true } },
      // Wide enough for a stock of a million: uPlot's default cuts the labels.
      axes: [{ stroke: '#8b98a5' }, { stroke: '#8b98a5', grid: { stroke: '#263140' }, size: 72 }],
      series: [{}, ...series.map((s) => ({ label: s.label, stroke: s.color, width: 1.5 }))],
      legend: { live: false },
    },
    [[], ...series.map(() => [])],
    box,
  );
  new ResizeObserver(() =>
    chart.setSize({ width: box.clientWidth, height: box.clientHeight }),
  ).observe(box);
  return chart;
}

const charts = {
  arrivals: timeChart(
    'chart-arrivals',
    OUTCOMES.map((o) => ({ label: o.label, color: o.color })),
  ),
  latency: timeChart('chart-latency', [
    { label: 'p50', color: '#3fb950' },
    { label: 'p95', color: '#d29922' },
    { label: 'p99', color: '#f85149' },
  ]),
  stock: timeChart('chart-stock', [
    { label: 'Redis', color: '#f85149' },
    { label: 'PostgreSQL', color: '#58a6ff' },
  ]),
  lag: null as UPlot | null,
  lagGroups: [] as string[],
};

function drawCharts(): void {
  const snaps = state.snapshots;
  const xs = snaps.map((s) => s.atMs / 1000);
  const arrivals = (s: RoomSnapshot) => (s.arrivals.ok ? s.arrivals.value : null);
  charts.arrivals.setData([
    xs,
    ...OUTCOMES.map((o) => snaps.map((s) => arrivals(s)?.perSecond[o.key] ?? null)),
  ]);
  charts.latency.setData([
    xs,
    snaps.map((s) => arrivals(s)?.latencyMs.p50 ?? null),
    snaps.map((s) => arrivals(s)?.latencyMs.p95 ?? null),
    snaps.map((s) => arrivals(s)?.latencyMs.p99 ?? null),
  ]);
  const sale = (s: RoomSnapshot) => (s.sale.ok ? s.sale.value : null);
  // Units taken rather than left: a sale of a million moves by hundreds, which a chart of what
  // is left would draw as a flat line. Redis moves first; PostgreSQL follows behind the lag.
  const current = sale(snaps.at(-1) ?? snaps[0])?.saleId;
  const taken = (s: RoomSnapshot, left: number | null | undefined) => {
    const on = sale(s);
    // The current sale only: the chart starts again when a new sale opens.
    return on && on.saleId === current && left !== null && left !== undefined
      ? on.stock - left
      : null;
  };
  charts.stock.setData([
    xs,
    snaps.map((s) => taken(s, sale(s)?.stockRedis)),
    snaps.map((s) => taken(s, sale(s)?.stockPostgres)),
  ]);
  const groups = [
    ...new Set(snaps.flatMap((s) => (s.lag.ok ? s.lag.value.map((g) => g.group) : []))),
  ];
  if (!charts.lag || groups.join() !== charts.lagGroups.join()) {
    charts.lag?.destroy();
    byId('chart-lag').replaceChildren();
    charts.lag = timeChart(
      'chart-lag',
      groups.map((g, i) => ({ label: g, color: GROUP_COLORS[i % GROUP_COLORS.length] })),
    );
    charts.lagGroups = groups;
  }
  charts.lag.setData([
    xs,
    ...groups.map((g) =>
      snaps.map((s) => (s.lag.ok ? (s.lag.value.find((l) => l.group === g)?.total ?? null) : null)),
    ),
  ]);
}

function drawPanels(s: RoomSnapshot): void {
  const sale = s.sale.ok ? s.sale.value : null;
  byId('sale').textContent = sale
    ? `${sale.name} · ${sale.saleId} · ${sale.flow} flow`
    : s.sale.ok
      ? 'no sale yet'
      : `PostgreSQL: ${s.sale.error}`;
  byId('stock-redis').textContent = sale ? fmt(sale.stockRedis) : '–';
  byId('stock-postgres').textContent = sale ? fmt(sale.stockPostgres) : '–';
  byId('stock-initial').textContent = sale ? fmt(sale.stock) : '–';

  const counts = sale?.ordersByStatus ?? {};
  const states = [...SAGA_STATES, ...Object.keys(counts).filter((k) => !SAGA_STATES.includes(k))];
  byId('orders').replaceChildren(
    ...states.map((name) =>
      element(
        'div',
        {},
        element('span', { className: 'label', textContent: name }),
        element('span', {
          textContent: fmt(counts[name] ?? 0),
          dataset: { testid: `orders-${name}` },
        }),
      ),
    ),
    element(
      'div',
      {},
      element('span', { className: 'label', textContent: 'all' }),
      element('span', {
        textContent: fmt(Object.values(counts).reduce((a, b) => a + b, 0)),
        dataset: { testid: 'orders-total' },
      }),
    ),
  );

  const backlogs = s.backlogs.ok ? s.backlogs.value : null;
  byId('dead-letters').textContent = fmt(backlogs?.deadLetters);
  byId('outbox-redis').textContent = fmt(backlogs?.outboxRedis);
  byId('outbox-postgres').textContent = fmt(backlogs?.outboxPostgres);

  byId('health').replaceChildren(
    ...s.health.map((h) =>
      element('li', {
        className: h.ready ? 'ready' : 'down',
        textContent: `${h.service}: ${h.detail}`,
        title: `${h.url}: ${h.detail}`,
        dataset: { testid: `health-${h.service}`, ready: String(h.ready) },
      }),
    ),
  );

  if (s.topology.ok) {
    const { brokers, topics, groups } = s.topology.value;
    byId('brokers').textContent = `Kafka: ${brokers.up}/${brokers.expected} brokers`;
    const before = state.snapshots.at(-2);
    const earlier = new Map(
      before?.topology.ok ? before.topology.value.topics.map((t) => [t.topic, t.messages]) : [],
    );
    byId('topology').replaceChildren(
      ...topics.flatMap((t) => {
        const moved = t.messages - (earlier.get(t.topic) ?? t.messages);
        const readers = groups.filter((g) => g.topics.includes(t.topic)).map((g) => g.group);
        return [
          element(
            'div',
            { className: 'topic', textContent: `${t.topic} · ${t.messages}` },
            moved > 0 ? element('span', { className: 'moved', textContent: ` +${moved}/s` }) : '',
          ),
          element('div', {
            textContent: readers.length ? `→ ${readers.join(', ')}` : '(no group)',
          }),
        ];
      }),
    );
  } else {
    byId('brokers').textContent = `Kafka: ${s.topology.error}`;
  }

  if (s.lag.ok) {
    const width = Math.max(0, ...s.lag.value.map((g) => g.partitions.length));
    const head = element(
      'tr',
      {},
      element('th', { textContent: 'group' }),
      element('th', { textContent: 'cap/s' }),
      element('th', { textContent: 'drain/s' }),
    );
    for (let p = 0; p < width; p++) head.append(element('th', { textContent: `p${p}` }));
    byId('partitions').replaceChildren(
      head,
      ...s.lag.value.map((g) => {
        const row = element(
          'tr',
          { dataset: { testid: `lag-${g.group}`, total: String(g.total) } },
          element('th', { textContent: g.group }),
          element('td', { textContent: g.rateCap === null ? '–' : fmt(g.rateCap) }),
          element('td', { textContent: fmt(g.drainPerSecond) }),
        );
        for (let p = 0; p < width; p++) {
          const lag = g.partitions[p] ?? 0;
          const cell = element('td', { textContent: String(lag) });
          // Redder the further behind, against 1,000 (the seed's "scale in" line).
          if (lag > 0)
            cell.style.background = `rgba(248, 81, 73, ${Math.min(0.8, 0.15 + lag / 1000)})`;
          row.append(cell);
        }
        return row;
      }),
    );
  }
}

function drawTimeline(): void {
  byId('timeline').replaceChildren(
    ...[...state.timeline]
      .reverse()
      .map((t) => element('li', { className: t.kind, textContent: `${clock(t.atMs)} ${t.text}` })),
  );
}

function drawDemo(): void {
  const demo = state.demo;
  byId('demo-title').textContent = demo
    ? `Demo output: ${demo.name} (${demo.state})`
    : 'Demo output';
  const output = byId('demo-output');
  output.textContent = demo ? demo.lines.join('\n') : '';
  output.dataset.state = demo?.state ?? 'none';
  output.scrollTop = output.scrollHeight;
  for (const button of document.querySelectorAll<HTMLButtonElement>('.demo button')) {
    button.disabled = !state.actionsEnabled || demo?.state === 'running';
  }
}

const tokenInput = byId<HTMLInputElement>('token');
tokenInput.value = sessionStorage.getItem('controlRoomToken') ?? '';
tokenInput.addEventListener('change', () =>
  sessionStorage.setItem('controlRoomToken', tokenInput.value),
);

function say(text: string, error = false): void {
  const note = byId('actions-note');
  note.textContent = text;
  note.classList.toggle('error', error);
}

async function runDemo(name: string): Promise<void> {
  const response = await fetch(`/api/demos/${encodeURIComponent(name)}`, {
    method: 'POST',
    headers: tokenInput.value ? { authorization: `Bearer ${tokenInput.value}` } : {},
  });
  if (response.ok) {
    say(`${name} started`);
    return;
  }
  const problem = (await response.json().catch(() => ({}))) as { detail?: string };
  say(`${response.status}: ${problem.detail ?? response.statusText}`, true);
}

async function loadDemos(): Promise<void> {
  const answer = (await (await fetch('/api/demos')).json()) as {
    demos: DemoInfo[];
    actionsEnabled: boolean;
  };
  state.actionsEnabled = answer.actionsEnabled;
  say(
    answer.actionsEnabled
      ? 'Each demo runs the real load engine and chaos experiments on this shop; it needs the admin token (the shop prints it at start).'
      : 'Actions are off here (CONTROL_ROOM_ACTIONS is not true): run a demo with "npm run demo -- <name>".',
  );
  byId('demos').replaceChildren(
    ...answer.demos.map((d) => {
      const button = element('button', { textContent: d.title, dataset: { demo: d.name } });
      button.addEventListener('click', () => {
        runDemo(d.name).catch((error: unknown) => say(String(error), true));
      });
      return element(
        'div',
        { className: 'demo' },
        button,
        element('div', {
          className: 'seed',
          textContent: `${d.seedDemo} · ${d.seedSection} · npm run demo -- ${d.name}`,
        }),
        element('div', { textContent: d.watch }),
      );
    }),
  );
  drawDemo();
}

function connect(): void {
  const source = new EventSource('/api/stream');
  const live = byId('live');
  source.addEventListener('open', () => {
    live.textContent = 'live';
    live.className = 'live on';
  });
  source.addEventListener('error', () => {
    live.textContent = 'reconnecting…';
    live.className = 'live off';
  });
  source.addEventListener('hello', (event) => {
    const hello = JSON.parse((event as MessageEvent<string>).data) as Hello;
    state.snapshots = [...hello.history];
    state.timeline = [...hello.timeline];
    state.demo = hello.demo;
    state.tracesUrl = hello.tracesUrl;
    byId('trace-form').hidden = hello.tracesUrl === null;
    drawCharts();
    const last = state.snapshots.at(-1);
    if (last) drawPanels(last);
    drawTimeline();
    drawDemo();
  });
  source.addEventListener('snapshot', (event) => {
    const snapshot = JSON.parse((event as MessageEvent<string>).data) as RoomSnapshot;
    state.snapshots.push(snapshot);
    if (state.snapshots.length > KEPT) state.snapshots.shift();
    drawCharts();
    drawPanels(snapshot);
  });
  source.addEventListener('timeline', (event) => {
    state.timeline.push(JSON.parse((event as MessageEvent<string>).data) as TimelineEntry);
    drawTimeline();
  });
  source.addEventListener('demo', (event) => {
    state.demo = JSON.parse((event as MessageEvent<string>).data) as DemoState;
    drawDemo();
  });
}

byId('trace-form').addEventListener('submit', (event) => {
  event.preventDefault();
  const orderId = byId<HTMLInputElement>('trace-order').value.trim();
  if (!state.tracesUrl || orderId === '') return;
  // The admission span carries the order id (libs/redis admission.ts); its trace is the purchase.
  const query = `service=order-service&tags=${encodeURIComponent(JSON.stringify({ 'seckill.order_id': orderId }))}`;
  // The UI's search, or its API (a Jaeger built from source here serves the API only).
  const api = (event as SubmitEvent).submitter?.getAttribute('value') === 'api';
  const url = api
    ? `${state.tracesUrl}/api/traces?${query}&limit=1`
    : `${state.tracesUrl}/search?${query}`;
  window.open(url, '_blank', 'noopener');
});

loadDemos().catch((error: unknown) => say(`the demos could not be listed: ${String(error)}`, true));
connect();
