import { Global, Module } from '@nestjs/common';
import { CacheInvalidationBus } from './cache-invalidation.bus';
import { RedisService } from './redis.service';

@Global()
@Module({ providers: [RedisService, CacheInvalidationBus], exports: [RedisService, CacheInvalidationBus] })
export class RedisModule {}
