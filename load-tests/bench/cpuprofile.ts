/**
 * Summarises a V8 CPU profile (`node --cpu-prof` writes one `.cpuprofile` per process at exit):
 * self time per function and per origin (a package in node_modules, Node's internals, our own
 * apps/ and libs/, GC, idle). Pure: takes the parsed JSON.
 */

export interface CpuProfileNode {
  readonly id: number;
  readonly callFrame: {
    readonly functionName: string;
    readonly url: string;
    readonly lineNumber: number;
  };
  readonly hitCount?: number;
  readonly children?: readonly number[];
}

export interface CpuProfile {
  readonly nodes: readonly CpuProfileNode[];
  readonly samples?: readonly number[];
  readonly timeDeltas?: readonly number[];
  readonly startTime: number;
  readonly endTime: number;
}

export interface FrameTime {
  readonly name: string;
  readonly selfMs: number;
  readonly percent: number;
  /** The callers through which most of this function's time came (nearest first). */
  readonly via?: string;
}

export interface ProfileSummary {
  readonly totalMs: number;
  /** Time not idle (what the process spent on the CPU, as far as the sampler saw). */
  readonly busyMs: number;
  readonly topFunctions: readonly FrameTime[];
  readonly byOrigin: readonly FrameTime[];
}

/** Where a frame comes from: `pkg:<name>`, `node:<module>`, `app:<path>`, or a V8 pseudo frame. */
export function originOf(url: string, functionName: string): string {
  if (!url) {
    if (functionName === '(garbage collector)') return '(gc)';
    if (functionName === '(idle)') return '(idle)';
    if (functionName === '(program)') return '(program)';
    return '(native)';
  }
  const nm = url.lastIndexOf('node_modules/');
  if (nm >= 0) {
    const rest = url.slice(nm + 'node_modules/'.length).split('/');
    return `pkg:${rest[0].startsWith('@') ? `${rest[0]}/${rest[1]}` : rest[0]}`;
  }
  if (url.startsWith('node:')) return `node:${url.slice('node:'.length).split('/')[0]}`;
  const m = /\/(apps|libs)\/([^/]+)\//.exec(url);
  if (m) return `${m[1]}/${m[2]}`;
  return url;
}

function shortUrl(url: string): string {
  const nm = url.lastIndexOf('node_modules/');
  if (nm >= 0) return url.slice(nm + 'node_modules/'.length);
  const m = /\/((?:apps|libs)\/.*)$/.exec(url);
  if (m) return m[1];
  return url.replace(/^file:\/\//, '');
}

/**
 * `window` (optional) keeps only the samples taken in [startUs, endUs] of the profile's clock,
 * which on Linux is CLOCK_MONOTONIC in µs, the clock of `process.hrtime.bigint() / 1000n`: so a
 * profile of a whole process life can be cut down to the measured phase.
 */
export function summarizeProfile(
  profile: CpuProfile,
  top = 15,
  window?: { readonly startUs: number; readonly endUs: number },
): ProfileSummary {
  const byId = new Map<number, CpuProfileNode>();
  for (const node of profile.nodes) byId.set(node.id, node);
  const selfUs = new Map<number, number>();
  const samples = profile.samples ?? [];
  const deltas = profile.timeDeltas ?? [];
  if (samples.length > 0 && deltas.length === samples.length) {
    // Each sample's time is the delta to the next sample (the first delta is from startTime).
    let t = profile.startTime;
    for (let i = 0; i < samples.length; i++) {
      t += deltas[i];
      if (window && (t < window.startUs || t > window.endUs)) continue;
      const dt = i + 1 < deltas.length ? deltas[i + 1] : 0;
      selfUs.set(samples[i], (selfUs.get(samples[i]) ?? 0) + Math.max(0, dt));
    }
  } else {
    // No sample stream: spread the duration over hit counts.
    const hits = profile.nodes.reduce((a, n) => a + (n.hitCount ?? 0), 0);
    const per = hits > 0 ? (profile.endTime - profile.startTime) / hits : 0;
    for (const n of profile.nodes) selfUs.set(n.id, (n.hitCount ?? 0) * per);
  }
  const parent = new Map<number, CpuProfileNode>();
  for (const node of profile.nodes) for (const c of node.children ?? []) parent.set(c, node);
  // The direct caller, then the nearest callers outside Node's own modules (`node:…`), which say
  // who asked for the work (e.g. which client wrote to a socket).
  const callerChain = (id: number, outside: number): string => {
    const names: string[] = [];
    let found = 0;
    let skipped = false;
    for (let p = parent.get(id), depth = 0; p && depth < 40; p = parent.get(p.id), depth++) {
      const f = p.callFrame;
      if (f.functionName === '(root)') break;
      const internal = f.url.startsWith('node:') || !f.url;
      if (names.length > 0 && internal) {
        skipped = true;
        continue;
      }
      const name = f.url
        ? `${f.functionName || '(anonymous)'} ${shortUrl(f.url)}:${f.lineNumber + 1}`
        : f.functionName;
      names.push(skipped ? `… ${name}` : name);
      skipped = false;
      if (names.length > 1 || !internal) found++;
      if (found >= outside) break;
    }
    return names.join(' ← ');
  };
  const fn = new Map<string, number>();
  const via = new Map<string, Map<string, number>>();
  const origin = new Map<string, number>();
  let totalUs = 0;
  let idleUs = 0;
  for (const [id, us] of selfUs) {
    const node = byId.get(id);
    if (!node || us === 0) continue;
    const { functionName, url, lineNumber } = node.callFrame;
    totalUs += us;
    const o = originOf(url, functionName);
    if (o === '(idle)') idleUs += us;
    origin.set(o, (origin.get(o) ?? 0) + us);
    const name = url
      ? `${functionName || '(anonymous)'} ${shortUrl(url)}:${lineNumber + 1}`
      : functionName || '(anonymous)';
    fn.set(name, (fn.get(name) ?? 0) + us);
    const chains = via.get(name) ?? new Map<string, number>();
    const chain = callerChain(id, 2);
    chains.set(chain, (chains.get(chain) ?? 0) + us);
    via.set(name, chains);
  }
  const busyUs = totalUs - idleUs;
  const heaviest = (chains: Map<string, number> | undefined): string | undefined => {
    if (!chains) return undefined;
    const best = [...chains].sort((a, b) => b[1] - a[1])[0];
    return best && best[0] ? best[0] : undefined;
  };
  const rank = (m: Map<string, number>, withCallers: boolean): FrameTime[] =>
    [...m]
      .filter(([name]) => name !== '(idle)')
      .sort((a, b) => b[1] - a[1])
      .slice(0, top)
      .map(([name, us]) => {
        const frame: FrameTime = {
          name,
          selfMs: us / 1000,
          percent: busyUs > 0 ? (100 * us) / busyUs : 0,
        };
        const chain = withCallers ? heaviest(via.get(name)) : undefined;
        return chain ? { ...frame, via: chain } : frame;
      });
  return {
    totalMs: totalUs / 1000,
    busyMs: busyUs / 1000,
    topFunctions: rank(fn, true),
    byOrigin: rank(origin, false),
  };
}

export function formatProfileSummary(label: string, s: ProfileSummary): string {
  const lines = [
    `${label}: ${(s.busyMs / 1000).toFixed(1)} s busy of ${(s.totalMs / 1000).toFixed(1)} s sampled`,
    '  by origin (self time, % of busy):',
    ...s.byOrigin.map((f) => `    ${f.percent.toFixed(1).padStart(5)}%  ${f.name}`),
    '  top functions (self time, % of busy):',
    ...s.topFunctions.map(
      (f) =>
        `    ${f.percent.toFixed(1).padStart(5)}%  ${f.name}${f.via ? `\n            ← ${f.via}` : ''}`,
    ),
  ];
  return lines.join('\n');
}
