import type { LoggerService } from '@nestjs/common';
import pino from 'pino';
import { currentCorrelation } from './context';

export type LogLevel = 'fatal' | 'error' | 'warn' | 'info' | 'debug' | 'trace';

type Fields = Record<string, unknown>;

/**
 * The services' logger: JSON lines (pino) that always carry the service name and, inside a
 * request or an event handler, the correlation id. Injected by class, never by string token.
 */
export class ServiceLogger {
  constructor(private readonly pinoLogger: pino.Logger) {}

  static create(
    service: string,
    level: LogLevel,
    destination: pino.DestinationStream = pino.destination({ sync: false }),
  ): ServiceLogger {
    const logger = pino(
      {
        level,
        base: { service, pid: process.pid },
        timestamp: pino.stdTimeFunctions.isoTime,
        formatters: { level: (label) => ({ level: label }) },
        mixin: () => {
          const context = currentCorrelation();
          return context ? { correlationId: context.correlationId } : {};
        },
      },
      destination,
    );
    return new ServiceLogger(logger);
  }

  child(bindings: Fields): ServiceLogger {
    return new ServiceLogger(this.pinoLogger.child(bindings));
  }

  fatal(fields: Fields, message: string): void {
    this.pinoLogger.fatal(fields, message);
  }
  error(fields: Fields, message: string): void {
    this.pinoLogger.error(fields, message);
  }
  warn(fields: Fields, message: string): void {
    this.pinoLogger.warn(fields, message);
  }
  info(fields: Fields, message: string): void {
    this.pinoLogger.info(fields, message);
  }
  debug(fields: Fields, message: string): void {
    this.pinoLogger.debug(fields, message);
  }

  /** Writes buffered lines; called last on shutdown so the final messages are not lost. */
  flush(): void {
    this.pinoLogger.flush();
  }

  /** The underlying pino instance, for Fastify's own request logging. */
  get pino(): pino.Logger {
    return this.pinoLogger;
  }
}

/** Routes NestJS's framework messages into the same JSON stream. */
export class NestLoggerBridge implements LoggerService {
  constructor(private readonly logger: ServiceLogger) {}

  log(message: unknown, ...rest: unknown[]): void {
    this.logger.info(this.fields(rest), String(message));
  }
  error(message: unknown, ...rest: unknown[]): void {
    this.logger.error(this.fields(rest), String(message));
  }
  warn(message: unknown, ...rest: unknown[]): void {
    this.logger.warn(this.fields(rest), String(message));
  }
  debug(message: unknown, ...rest: unknown[]): void {
    this.logger.debug(this.fields(rest), String(message));
  }
  verbose(message: unknown, ...rest: unknown[]): void {
    this.logger.debug(this.fields(rest), String(message));
  }
  fatal(message: unknown, ...rest: unknown[]): void {
    this.logger.fatal(this.fields(rest), String(message));
  }

  private fields(rest: unknown[]): Fields {
    // Nest passes (message, context) or (message, stack, context).
    const context = rest.at(-1);
    const stack = rest.length > 1 ? rest[0] : undefined;
    return {
      ...(typeof context === 'string' ? { context } : {}),
      ...(typeof stack === 'string' ? { stack } : {}),
    };
  }
}
