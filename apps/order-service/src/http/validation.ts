import { PipeTransform } from '@nestjs/common';
import { z } from 'zod';
import { ProblemCode } from '@seckill/contracts';
import { ProblemException } from '@seckill/service-kit';

/**
 * One wrong field of a request: `path` is the dotted path of a body field ('' for the body
 * itself) or the name of the header. The gateway reports errors the same way.
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

/**
 * A Nest pipe that parses a request part with a zod schema and hands the handler the parsed
 * value (defaults applied), or answers 400 VALIDATION_FAILED listing every wrong field.
 */
export class Zod<S extends z.ZodType> implements PipeTransform<unknown, z.output<S>> {
  private constructor(
    private readonly schema: S,
    private readonly name: string | undefined,
    private readonly absentAs: unknown,
  ) {}

  /** A JSON body; no body at all counts as `{}`, so a schema whose fields have defaults accepts it. */
  static body<S extends z.ZodType>(schema: S): Zod<S> {
    return new Zod(schema, undefined, {});
  }

  /** A header (or any named part), reported under its own name. */
  static named<S extends z.ZodType>(name: string, schema: S): Zod<S> {
    return new Zod(schema, name, undefined);
  }

  transform(value: unknown): z.output<S> {
    const result = this.schema.safeParse(value === undefined ? this.absentAs : value);
    if (result.success) return result.data;
    throw new ProblemException(
      400,
      ProblemCode.ValidationFailed,
      'The request is not valid; see errors.',
      fieldErrors(result.error, this.name),
    );
  }
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** Sale and order ids are UUIDs; anything else names nothing that exists (a 404, not a 400). */
export function isResourceId(value: string): boolean {
  return UUID.test(value);
}
