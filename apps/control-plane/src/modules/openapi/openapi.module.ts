import { Module } from '@nestjs/common';
import { DiscoveryModule } from '@nestjs/core';
import { OpenApiController } from './openapi.controller';
import { OpenApiDocument } from './openapi-document';

@Module({ imports: [DiscoveryModule], controllers: [OpenApiController], providers: [OpenApiDocument] })
export class OpenApiModule {}
