import { DynamicModule, Module } from '@nestjs/common';
import { APP_FILTER, APP_GUARD, APP_INTERCEPTOR } from '@nestjs/core';
import { ThrottlerModule } from '@nestjs/throttler';
import { AppConfig, ConfigModule } from '@gw/config';
import { BillingModule, ExactTokenCounter, HoldPlacer } from '@gw/billing';
import { CatalogModule } from '@gw/catalog';
import { DbModule } from '@gw/db';
import { JobsModule } from '@gw/jobs';
import { KeysModule } from '@gw/keys';
import { RedisModule } from '@gw/redis';
import { AnthropicRelay } from './anthropic/anthropic.relay';
import { AnthropicMessagesController } from './anthropic/messages.controller';
import { AnthropicModelsController } from './anthropic/models.controller';
import { HealthController } from './health/health.controller';
import { AdmissionGuard } from './middleware/admission.guard';
import { ApiKeyGuard } from './middleware/api-key.guard';
import { AuthFailureLimiter } from './middleware/auth-failure.limiter';
import { BillingInterceptor } from './middleware/billing.interceptor';
import { ModelAccessGuard } from './middleware/model-access.guard';
import { GlobalExceptionFilter } from './middleware/protocol-exception.filters';
import { rpmThrottlerOptions } from './middleware/rpm-throttler.options';
import { RpmGuard } from './middleware/rpm.guard';
import { ChatCompletionsController } from './openai/chat-completions.controller';
import { EmbeddingsController } from './openai/embeddings.controller';
import { OpenAiModelsController } from './openai/models.controller';
import { OpenAiRelay } from './openai/openai.relay';
import { CircuitBreakers } from './upstream/circuit-breakers';
import { UpstreamClient } from './upstream/upstream-client';
import { UpstreamPools } from './upstream/upstream-pools';
import { JsonOffload } from './validation/json-offload';

@Module({})
export class ProxyModule {
  static forRoot(config: AppConfig): DynamicModule {
    return {
      module: ProxyModule,
      imports: [
        ConfigModule.forRoot(config),
        DbModule,
        RedisModule,
        JobsModule,
        KeysModule,
        CatalogModule,
        BillingModule,
        ThrottlerModule.forRootAsync(rpmThrottlerOptions),
      ],
      controllers: [
        HealthController,
        ChatCompletionsController,
        EmbeddingsController,
        OpenAiModelsController,
        AnthropicMessagesController,
        AnthropicModelsController,
      ],
      providers: [
        AuthFailureLimiter,
        // Holds: the byte bound, or an exact count in worker threads (started with the proxy).
        ExactTokenCounter,
        HoldPlacer,
        UpstreamPools,
        CircuitBreakers,
        UpstreamClient,
        OpenAiRelay,
        AnthropicRelay,
        JsonOffload,
        // Order matters: authenticate, admit (in-flight cap), rate limit, validate and resolve the model, then bill.
        { provide: APP_GUARD, useClass: ApiKeyGuard },
        { provide: APP_GUARD, useClass: AdmissionGuard },
        { provide: APP_GUARD, useClass: RpmGuard },
        { provide: APP_GUARD, useClass: ModelAccessGuard },
        { provide: APP_INTERCEPTOR, useClass: BillingInterceptor },
        { provide: APP_FILTER, useClass: GlobalExceptionFilter },
      ],
    };
  }
}
