import { createParamDecorator, ExecutionContext, PipeTransform } from '@nestjs/common';
import type { FastifyRequest } from 'fastify';
import { z } from 'zod';
import { ProblemCode } from '@seckill/contracts';
import { ProblemException } from '../problem';

/**
 * One wrong field of a request. `path` is the dotted path of a body field ('' is the body
 * itself), or the name of the path parameter or header.
 */
export interface FieldError {
  readonly path: string;
  readonly message: string;
}

/** A zod error as field errors; an unknown field becomes one error on that field's own path. */
export function fieldErrors(error: z.ZodError, name?: string): FieldError[] {
  return error.issues.flatMap((issue) => {
    const at = (path: readonly PropertyKey[]) =>
      [name, ...path.map(String)].filter((part) => part !== undefined).join('.');
    if (issue.code === 'unrecognized_keys') {
      return issue.keys.map((key) => ({
        path: at([...issue.path, key]),
        message: 'unknown field',
      }));
    }
    return [{ path: at(issue.path), message: issue.message }];
  });
}

export function validationFailed(errors: readonly FieldError[]): ProblemException {
  return new ProblemException(
    400,
    ProblemCode.ValidationFailed,
    'The request is not valid; see errors.',
    errors,
  );
}

/**
 * A Nest pipe that parses a request part with a zod schema and hands the handler the parsed
 * value (defaults applied), or answers 400 VALIDATION_FAILED with every wrong field.
 */
export class Zod<S extends z.ZodType> implements PipeTransform<unknown, z.output<S>> {
  private constructor(
    private readonly schema: S,
    private readonly name: string | undefined,
    private readonly absentAs: unknown,
  ) {}

  /** A JSON body; no body at all counts as `{}`, so a schema whose fields all have defaults accepts it. */
  static body<S extends z.ZodType>(schema: S): Zod<S> {
    return new Zod(schema, undefined, {});
  }

  /** A path parameter or header, reported under its own name. */
  static named<S extends z.ZodType>(name: string, schema: S): Zod<S> {
    return new Zod(schema, name, undefined);
  }

  transform(value: unknown): z.output<S> {
    const result = this.schema.safeParse(value === undefined ? this.absentAs : value);
    if (result.success) return result.data;
    throw validationFailed(fieldErrors(result.error, this.name));
  }
}

/** A request header by (lower-case) name; unlike Nest's @Headers it takes pipes. */
export const RequestHeader = createParamDecorator(
  (name: string, context: ExecutionContext): string | string[] | undefined =>
    context.switchToHttp().getRequest<FastifyRequest>().headers[name],
);
