import { Controller, Get } from '@nestjs/common';
import { openApiDocument } from './openapi';

@Controller('api/docs')
export class DocsController {
  @Get()
  document(): typeof openApiDocument {
    return openApiDocument;
  }
}
