/**
 * The control room's HTTP server: the page and its assets, the live stream (SSE, one snapshot a
 * second, timeline entries and the demo's output as they happen), and the actions. Viewing needs
 * nothing; an action needs `Authorization: Bearer <CONTROL_ROOM_ADMIN_TOKEN>` and exists only
 * when CONTROL_ROOM_ACTIONS is true. Every refusal is an RFC 9457 problem.
 */
import { timingSafeEqual, createHash } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import * as path from 'node:path';
import { DEMOS, isDemoName } from './demo-catalogue';
import { DemoBusy, type DemoLauncher, DemoRunner } from './demo-runner';
import { RoomProblem, sendProblem } from './problem';
import type { DemoState, Hello, RoomSnapshot, TimelineEntry, TimelineKind } from './room-state';
import { timelineChanges } from './timeline';

/** Two minutes of history at one snapshot a second: what a page draws when it opens. */
const HISTORY = 120;
const TIMELINE_KEPT = 200;

export interface RoomServerOptions {
  readonly snapshot: () => RoomSnapshot;
  readonly launchDemo: DemoLauncher;
  readonly actionsEnabled: boolean;
  readonly adminToken: string | undefined;
  readonly tracesUrl: string | null;
  /** The page's files: index.html, style.css and app.js (built by page-assets.ts). */
  readonly assets: ReadonlyMap<string, { readonly type: string; readonly body: Buffer }>;
  readonly everyMs?: number;
  readonly log: (line: string) => void;
}

const sha256 = (text: string): Buffer => createHash('sha256').update(text).digest();

export class RoomServer {
  readonly http: Server;
  private readonly history: RoomSnapshot[] = [];
  private readonly timeline: TimelineEntry[] = [];
  private readonly clients = new Set<ServerResponse>();
  private readonly demos: DemoRunner;
  private ticker: NodeJS.Timeout | undefined;

  constructor(private readonly options: RoomServerOptions) {
    this.demos = new DemoRunner(options.launchDemo, {
      changed: (state) => this.broadcast('demo', state),
      started: (name) => this.note('demo', `demo ${name} started`),
      ended: (state) => this.note('demo', `demo ${state.name} ${state.state}${this.took(state)}`),
    });
    this.http = createServer((req, res) => {
      this.route(req, res).catch((error: unknown) => {
        options.log(`control room: ${req.method} ${req.url}: ${String(error)}`);
        if (!res.headersSent) res.writeHead(500).end();
      });
    });
  }

  /** Starts the one-a-second tick: a snapshot to every page, and the timeline's new entries. */
  start(): void {
    const tick = () => {
      const snapshot = this.options.snapshot();
      const previous = this.history.at(-1);
      this.history.push(snapshot);
      if (this.history.length > HISTORY) this.history.shift();
      if (previous) {
        for (const change of timelineChanges(previous, snapshot))
          this.note(change.kind, change.text);
      }
      this.broadcast('snapshot', snapshot);
    };
    this.ticker = setInterval(tick, this.options.everyMs ?? 1_000);
  }

  async stop(): Promise<void> {
    clearInterval(this.ticker);
    this.demos.stop();
    for (const client of this.clients) client.end();
    await new Promise<void>((resolve) => this.http.close(() => resolve()));
  }

  private took(state: DemoState): string {
    return state.endedAtMs === null
      ? ''
      : ` after ${((state.endedAtMs - state.startedAtMs) / 1000).toFixed(0)} s`;
  }

  private note(kind: TimelineKind, text: string): void {
    const entry = { atMs: Date.now(), kind, text };
    this.timeline.push(entry);
    if (this.timeline.length > TIMELINE_KEPT) this.timeline.shift();
    this.options.log(`control room: ${kind}: ${text}`);
    this.broadcast('timeline', entry);
  }

  private broadcast(event: string, data: unknown): void {
    const frame = `event: ${event}\ndata: ${JSON.stringify(data)}\n\n`;
    for (const client of this.clients) client.write(frame);
  }

  private async route(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', 'http://control-room');
    const route = `${req.method ?? 'GET'} ${url.pathname}`;
    const demoAction = /^\/api\/demos\/([^/]+)$/.exec(url.pathname);
    if (route === 'GET /' || route === 'GET /index.html') return this.asset(res, 'index.html');
    if (req.method === 'GET' && url.pathname.startsWith('/assets/')) {
      return this.asset(res, url.pathname.slice('/assets/'.length));
    }
    if (route === 'GET /favicon.ico') return void res.writeHead(204).end();
    if (route === 'GET /health/live') return json(res, 200, { status: 'live' });
    if (route === 'GET /health/ready') return json(res, 200, { status: 'ready' });
    if (route === 'GET /api/stream') return this.stream(req, res);
    if (route === 'GET /api/snapshot') {
      return json(res, 200, this.history.at(-1) ?? this.options.snapshot());
    }
    if (route === 'GET /api/demos') {
      return json(res, 200, {
        actionsEnabled: this.options.actionsEnabled,
        demos: DEMOS,
        current: this.demos.state,
      });
    }
    if (demoAction && req.method === 'POST') {
      await drain(req);
      if (!this.authorised(req, res, url.pathname)) return;
      const name = decodeURIComponent(demoAction[1]);
      if (name === 'current') {
        // POST /api/demos/current: nothing to start; stopping is DELETE.
        return sendProblem(
          res,
          url.pathname,
          405,
          RoomProblem.MethodNotAllowed,
          'use DELETE to stop the running demo',
          { allow: 'DELETE' },
        );
      }
      if (!isDemoName(name)) {
        return sendProblem(
          res,
          url.pathname,
          404,
          RoomProblem.UnknownDemo,
          `no demo "${name.slice(0, 60)}"; the demos are ${DEMOS.map((d) => d.name).join(', ')}`,
        );
      }
      try {
        return json(res, 202, this.demos.start(name));
      } catch (error) {
        if (error instanceof DemoBusy) {
          return sendProblem(
            res,
            url.pathname,
            409,
            RoomProblem.DemoRunning,
            `${error.message}; one demo at a time (stop it with DELETE /api/demos/current)`,
          );
        }
        throw error;
      }
    }
    if (route === 'DELETE /api/demos/current') {
      if (!this.authorised(req, res, url.pathname)) return;
      if (!this.demos.stop()) {
        return sendProblem(res, url.pathname, 409, RoomProblem.NoDemoRunning, 'no demo is running');
      }
      return json(res, 202, this.demos.state);
    }
    if (demoAction) {
      return sendProblem(
        res,
        url.pathname,
        405,
        RoomProblem.MethodNotAllowed,
        `${req.method} is not allowed here; POST runs a demo`,
        { allow: 'POST' },
      );
    }
    return sendProblem(
      res,
      url.pathname,
      404,
      RoomProblem.NotFound,
      `nothing at ${route.slice(0, 120)}`,
    );
  }

  /**
   * Actions must be on, and the caller must hold the admin token: 403 when actions are off (no
   * token opens them), 401 without a token, 403 with a wrong one.
   */
  private authorised(req: IncomingMessage, res: ServerResponse, instance: string): boolean {
    if (!this.options.actionsEnabled || this.options.adminToken === undefined) {
      sendProblem(
        res,
        instance,
        403,
        RoomProblem.ActionsDisabled,
        'actions are disabled here (CONTROL_ROOM_ACTIONS is not true)',
      );
      return false;
    }
    const header = req.headers.authorization;
    const given = header?.startsWith('Bearer ') ? header.slice('Bearer '.length).trim() : '';
    if (given === '') {
      sendProblem(
        res,
        instance,
        401,
        RoomProblem.TokenMissing,
        'an action needs "Authorization: Bearer <admin token>"',
        { 'www-authenticate': 'Bearer realm="control-room"' },
      );
      return false;
    }
    // Compared as digests, in constant time: the token's length leaks nothing either.
    if (!timingSafeEqual(sha256(given), sha256(this.options.adminToken))) {
      sendProblem(
        res,
        instance,
        403,
        RoomProblem.TokenInvalid,
        "the admin token is not this control room's",
      );
      return false;
    }
    return true;
  }

  private stream(req: IncomingMessage, res: ServerResponse): void {
    res.writeHead(200, {
      'content-type': 'text/event-stream; charset=utf-8',
      'cache-control': 'no-store',
      connection: 'keep-alive',
      'x-accel-buffering': 'no',
    });
    const hello: Hello = {
      history: this.history,
      timeline: this.timeline,
      demo: this.demos.state,
      actionsEnabled: this.options.actionsEnabled,
      tracesUrl: this.options.tracesUrl,
    };
    res.write(`retry: 2000\nevent: hello\ndata: ${JSON.stringify(hello)}\n\n`);
    this.clients.add(res);
    req.on('close', () => this.clients.delete(res));
  }

  private asset(res: ServerResponse, name: string): void {
    const asset = this.options.assets.get(name);
    if (!asset) {
      return sendProblem(
        res,
        `/assets/${name}`,
        404,
        RoomProblem.NotFound,
        `no asset ${path.basename(name)}`,
      );
    }
    res.writeHead(200, { 'content-type': asset.type, 'cache-control': 'no-cache' });
    res.end(asset.body);
  }
}

function json(res: ServerResponse, status: number, body: unknown): void {
  res.writeHead(status, { 'content-type': 'application/json', 'cache-control': 'no-store' });
  res.end(JSON.stringify(body));
}

/** Reads and drops a request's body (actions take none), so the connection can be reused. */
async function drain(req: IncomingMessage): Promise<void> {
  for await (const chunk of req) void chunk;
}
