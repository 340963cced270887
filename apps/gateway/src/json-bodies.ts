import { Injectable, OnModuleInit } from '@nestjs/common';
import { HttpAdapterHost } from '@nestjs/core';
import type { FastifyAdapter } from '@nestjs/platform-fastify';

/**
 * The gateway reads JSON bodies only. Fastify also parses text/plain and Nest adds
 * application/x-www-form-urlencoded; without those parsers any other media type is a 415 from
 * Fastify itself (a problem+json, through the kit's filter) instead of a string or a form
 * reaching validation. Runs in onModuleInit: after Nest registered its parsers, before listen.
 */
@Injectable()
export class JsonBodiesOnly implements OnModuleInit {
  constructor(private readonly adapterHost: HttpAdapterHost<FastifyAdapter>) {}

  onModuleInit(): void {
    this.adapterHost.httpAdapter
      .getInstance()
      .removeContentTypeParser(['text/plain', 'application/x-www-form-urlencoded']);
  }
}
