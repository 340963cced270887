import { Controller, Get, HttpCode, Injectable, OnModuleDestroy, Res } from '@nestjs/common';
import type { FastifyReply } from 'fastify';

/** One real dependency a service needs to do its work (its database, Redis, Kafka, ...). */
export type ReadinessProbe = () => Promise<void>;

export interface ReadinessReport {
  readonly status: 'ready' | 'not-ready' | 'draining';
  readonly checks: Record<string, { status: 'up' | 'down'; error?: string; ms: number }>;
}

const PROBE_TIMEOUT_MS = 2000;

/**
 * Readiness: every registered dependency answers within a bound. Liveness is separate and
 * checks nothing external: a slow database must not get a healthy process restarted.
 */
@Injectable()
export class ReadinessRegistry implements OnModuleDestroy {
  private readonly probes = new Map<string, ReadinessProbe>();
  private draining = false;

  register(name: string, probe: ReadinessProbe): void {
    this.probes.set(name, probe);
  }

  /** Shutdown has begun: report not-ready at once so traffic moves elsewhere while we drain. */
  onModuleDestroy(): void {
    this.draining = true;
  }

  async evaluate(): Promise<ReadinessReport> {
    const entries = await Promise.all(
      [...this.probes].map(async ([name, probe]) => {
        const started = performance.now();
        try {
          await withTimeout(probe(), PROBE_TIMEOUT_MS, name);
          return [name, { status: 'up' as const, ms: elapsed(started) }] as const;
        } catch (error) {
          const message = error instanceof Error ? error.message : String(error);
          return [name, { status: 'down' as const, error: message, ms: elapsed(started) }] as const;
        }
      }),
    );
    const checks = Object.fromEntries(entries);
    const allUp = entries.every(([, result]) => result.status === 'up');
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
