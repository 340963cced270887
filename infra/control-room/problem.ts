import { STATUS_CODES, type ServerResponse } from 'node:http';

/** The control room's error codes: what a client can tell apart without reading the text. */
export const RoomProblem = {
  NotFound: 'NOT_FOUND',
  UnknownDemo: 'UNKNOWN_DEMO',
  ActionsDisabled: 'ACTIONS_DISABLED',
  TokenMissing: 'ADMIN_TOKEN_MISSING',
  TokenInvalid: 'ADMIN_TOKEN_INVALID',
  DemoRunning: 'DEMO_RUNNING',
  NoDemoRunning: 'NO_DEMO_RUNNING',
  MethodNotAllowed: 'METHOD_NOT_ALLOWED',
} as const;
export type RoomProblemCode = (typeof RoomProblem)[keyof typeof RoomProblem];

/** An RFC 9457 problem answer, shaped as the services' (libs/service-kit problemBody). */
export function sendProblem(
  res: ServerResponse,
  instance: string,
  status: number,
  code: RoomProblemCode,
  detail: string,
  headers: Record<string, string> = {},
): void {
  const body = JSON.stringify({
    type: `urn:seckill:problem:${code.toLowerCase()}`,
    title: STATUS_CODES[status] ?? 'Error',
    status,
    code,
    detail,
    instance,
  });
  res.writeHead(status, {
    'content-type': 'application/problem+json',
    'cache-control': 'no-store',
    ...headers,
  });
  res.end(body);
}
