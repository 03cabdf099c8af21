import { Module } from '@nestjs/common';
import { ApiKeysRepository } from '@gw/db';
import { ApiKeyCache } from './api-key-cache.service';

@Module({ providers: [ApiKeysRepository, ApiKeyCache], exports: [ApiKeyCache] })
export class KeysModule {}
