import { Controller, Get, HttpCode, Injectable, OnModuleDestroy, Res } from '@nestjs/common';
import type { FastifyReply } from 'fastify';

/** One real dependency a service needs to do its work (its database, Redis, Kafka, ...). */
export type ReadinessProbe = () => Promise<void>;

export interface ReadinessReport {
  readonly status: 'ready' | 'not-ready' | 'draining';
  readonly checks: Record<
    string,
    { status: 'up' | 'down'; error?: string; ms: number; gating?: false }
  >;
}

export interface ProbeOptions {
  /**
   * Whether a failing probe makes the service not ready (default true). False for a part the
   * service's traffic does not need: order-service admits orders while its read-model consumer
   * is still joining its group, so the consumer is reported but does not gate readiness.
   */
  readonly gating?: boolean;
}

const PROBE_TIMEOUT_MS = 2000;

/**
 * Readiness: every registered dependency answers within a bound. Liveness is separate and
 * checks nothing external: a slow database must not get a healthy process restarted.
 */
@Injectable()
export class ReadinessRegistry implements OnModuleDestroy {
  private readonly probes = new Map<string, { probe: ReadinessProbe; gating: boolean }>();
  private draining = false;

  register(name: string, probe: ReadinessProbe, options: ProbeOptions = {}): void {
    this.probes.set(name, { probe, gating: options.gating ?? true });
  }

  /** Shutdown has begun: report not-ready at once so traffic moves elsewhere while we drain. */
  onModuleDestroy(): void {
    this.draining = true;
  }

  async evaluate(): Promise<ReadinessReport> {
    const entries = await Promise.all(
      [...this.probes].map(async ([name, { probe, gating }]) => {
        const started = performance.now();
        const marker = gating ? {} : { gating: false as const };
        try {
          await withTimeout(probe(), PROBE_TIMEOUT_MS, name);
          return [name, { status: 'up' as const, ms: elapsed(started), ...marker }] as const;
        } catch (error) {
          const message = error instanceof Error ? error.message : String(error);
          const result = { status: 'down' as const, error: message, ms: elapsed(started) };
          return [name, { ...result, ...marker }] as const;
        }
      }),
    );
    const checks = Object.fromEntries(entries);
    const allUp = entries.every(([, result]) => result.status === 'up' || result.gating === false);
    const status = this.draining ? 'draining' : allUp ? 'ready' : 'not-ready';
    return { status, checks };
  }
}

function elapsed(started: number): number {
  return Math.round((performance.now() - started) * 10) / 10;
}

async function withTimeout<T>(promise: Promise<T>, ms: number, name: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${name} did not answer within ${ms} ms`)), ms);
  });
  try {
    return await Promise.race([promise, timeout]);
  } finally {
    clearTimeout(timer);
  }
}

@Controller('health')
export class HealthController {
  constructor(private readonly readiness: ReadinessRegistry) {}

  @Get('live')
  @HttpCode(200)
  live(): { status: 'live' } {
    return { status: 'live' };
  }

  @Get('ready')
  async ready(@Res({ passthrough: true }) reply: FastifyReply): Promise<ReadinessReport> {
    const report = await this.readiness.evaluate();
    reply.status(report.status === 'ready' ? 200 : 503);
    return report;
  }
}
