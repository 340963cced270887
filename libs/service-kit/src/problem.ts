import {
  ArgumentsHost,
  Catch,
  ExceptionFilter,
  HttpException,
  HttpStatus,
  Injectable,
} from '@nestjs/common';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { ServiceLogger } from '@seckill/observability';

/** RFC 9457 problem details; `code` is the stable, machine-readable part clients switch on. */
export interface ProblemBody {
  readonly type: string;
  readonly title: string;
  readonly status: number;
  readonly code: string;
  readonly detail?: string;
  readonly instance?: string;
  readonly requestId?: string;
  readonly errors?: readonly { path: string; message: string }[];
}

export const PROBLEM_CONTENT_TYPE = 'application/problem+json';

/** An error a handler throws on purpose, with the status and stable code the client sees. */
export class ProblemException extends HttpException {
  constructor(
    status: number,
    readonly code: string,
    detail: string,
    readonly errors?: readonly { path: string; message: string }[],
    readonly headers: Record<string, string> = {},
  ) {
    super(detail, status);
  }
}

/**
 * The problem body of an answer the code chose (what a thrown ProblemException becomes). For
 * answers given without throwing: the hot path's shed and sold-out answers, thousands a second,
 * skip the exception and the filter.
 */
export function problemBody(
  request: Pick<FastifyRequest, 'url' | 'id'>,
  status: number,
  code: string,
  detail: string,
  errors?: readonly { path: string; message: string }[],
): ProblemBody {
  return {
    type: `urn:seckill:problem:${code.toLowerCase()}`,
    title: titleOf(status),
    status,
    code,
    detail,
    ...(errors ? { errors } : {}),
    instance: request.url,
    requestId: String(request.id),
  };
}

/** Answers with a problem body at once, without an exception (see `problemBody`). */
export function sendProblem(
  request: Pick<FastifyRequest, 'url' | 'id'>,
  reply: FastifyReply,
  status: number,
  code: string,
  detail: string,
  headers: Record<string, string> = {},
): FastifyReply {
  return reply
    .status(status)
    .headers(headers)
    .type(PROBLEM_CONTENT_TYPE)
    .send(problemBody(request, status, code, detail));
}

const CODE_BY_STATUS: Record<number, string> = {
  400: 'BAD_REQUEST',
  401: 'UNAUTHORIZED',
  403: 'FORBIDDEN',
  404: 'NOT_FOUND',
  405: 'METHOD_NOT_ALLOWED',
  406: 'NOT_ACCEPTABLE',
  409: 'CONFLICT',
  413: 'PAYLOAD_TOO_LARGE',
  415: 'UNSUPPORTED_MEDIA_TYPE',
  422: 'UNPROCESSABLE_ENTITY',
  429: 'TOO_MANY_REQUESTS',
  500: 'INTERNAL_ERROR',
  503: 'SERVICE_UNAVAILABLE',
};

/**
 * Every error leaves as application/problem+json. Client mistakes keep their 4xx (including
 * Fastify's own body-parsing errors, which Nest hands to this filter); anything unexpected is a
 * 500 whose detail reveals nothing internal, and is logged with the request id.
 */
@Catch()
@Injectable()
export class ProblemDetailsFilter implements ExceptionFilter {
  constructor(private readonly logger: ServiceLogger) {}

  catch(exception: unknown, host: ArgumentsHost): void {
    const http = host.switchToHttp();
    const reply = http.getResponse<FastifyReply>();
    const request = http.getRequest<FastifyRequest>();
    const problem = this.toProblem(exception, request);
    if (problem.status >= 500 && exception instanceof ProblemException) {
      // A 5xx the code chose (e.g. 503 UPSTREAM_UNAVAILABLE during an outage): expected, and
      // possibly thousands a second, so one line without a stack.
      this.logger.warn(
        {
          code: exception.code,
          detail: exception.message,
          requestId: request.id,
          url: request.url,
        },
        'request answered with a server-side problem',
      );
    } else if (problem.status >= 500) {
      this.logger.error(
        { err: exception, requestId: request.id, url: request.url },
        'request failed unexpectedly',
      );
    }
    const headers = exception instanceof ProblemException ? exception.headers : {};
    void reply.status(problem.status).headers(headers).type(PROBLEM_CONTENT_TYPE).send(problem);
  }

  private toProblem(exception: unknown, request: FastifyRequest): ProblemBody {
    if (exception instanceof ProblemException) {
      return problemBody(
        request,
        exception.getStatus(),
        exception.code,
        exception.message,
        exception.errors,
      );
    }
    const base = { instance: request.url, requestId: String(request.id) };
    const status =
      exception instanceof HttpException
        ? exception.getStatus()
        : statusOfFrameworkError(exception);
    const code = CODE_BY_STATUS[status] ?? (status >= 500 ? 'INTERNAL_ERROR' : 'BAD_REQUEST');
    return {
      type: `urn:seckill:problem:${code.toLowerCase()}`,
      title: titleOf(status),
      status,
      code,
      detail: status >= 500 ? 'The server could not complete the request.' : detailOf(exception),
      ...base,
    };
  }
}

/** Fastify errors (bad JSON, too large, wrong media type) carry a statusCode of their own. */
function statusOfFrameworkError(exception: unknown): number {
  if (typeof exception === 'object' && exception !== null && 'statusCode' in exception) {
    const status = Number((exception as { statusCode: unknown }).statusCode);
    if (Number.isInteger(status) && status >= 400 && status < 600) return status;
  }
  return HttpStatus.INTERNAL_SERVER_ERROR;
}

function detailOf(exception: unknown): string {
  if (exception instanceof HttpException) {
    const response = exception.getResponse();
    if (typeof response === 'object' && response !== null && 'message' in response) {
      const message = (response as { message: unknown }).message;
      return Array.isArray(message) ? message.join('; ') : String(message);
    }
    return exception.message;
  }
  return exception instanceof Error ? exception.message : 'Bad request';
}

function titleOf(status: number): string {
  const name = HttpStatus[status];
  if (!name) return 'Error';
  return name
    .toLowerCase()
    .split('_')
    .map((word) => word[0]?.toUpperCase() + word.slice(1))
    .join(' ');
}
