import { Module } from '@nestjs/common';
import { ModelsRepository } from '@gw/db';
import { ModelCatalog } from './model-catalog.service';

@Module({ providers: [ModelsRepository, ModelCatalog], exports: [ModelCatalog] })
export class CatalogModule {}
