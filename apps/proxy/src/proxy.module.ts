import { DynamicModule, Module } from '@nestjs/common';
import { APP_FILTER } from '@nestjs/core';
import { AppConfig, ConfigModule } from '@gw/config';
import { BillingModule, ExactTokenCounter, HOLD_LEDGER, HoldPlacer, PostgresHoldLedger, WalletHoldLedger } from '@gw/billing';
import { CatalogModule } from '@gw/catalog';
import { DbModule, KeyInfoRepository, UsageRepository } from '@gw/db';
import { JobsModule } from '@gw/jobs';
import { KeysModule } from '@gw/keys';
import { RedisModule } from '@gw/redis';
import { WalletModule } from '@gw/wallet';
import { AnthropicRelay } from './anthropic/anthropic.relay';
import { AnthropicMessagesController } from './anthropic/messages.controller';
import { AnthropicModelsController } from './anthropic/models.controller';
import { GeminiGenerateContentController } from './gemini/generate-content.controller';
import { GeminiRelay } from './gemini/gemini.relay';
import { GeminiModelsController } from './gemini/models.controller';
import { GenerationController } from './generation/generation.controller';
import { GenerationLookup } from './generation/generation-lookup';
import { RecentGenerations } from './generation/recent-generations';
import { HealthController } from './health/health.controller';
import { AuthFailureLimiter } from './middleware/auth-failure.limiter';
import { GlobalExceptionFilter } from './middleware/protocol-exception.filters';
import { ChatCompletionsController } from './openai/chat-completions.controller';
import { EmbeddingsController } from './openai/embeddings.controller';
import { OpenAiModelsController } from './openai/models.controller';
import { OpenAiRelay } from './openai/openai.relay';
import { CrossProviderRelay } from './translate/cross-provider.relay';
import { TokenCountRelay } from './translate/token-count.relay';
import { TranslatedRelay } from './translate/translated.relay';
import { ResponsesController } from './openai/responses.controller';
import { AdmitStage } from './pipeline/admit.stage';
import { AuthenticateStage } from './pipeline/authenticate.stage';
import { ReserveStage } from './pipeline/reserve.stage';
import { ResolveStage } from './pipeline/resolve.stage';
import { SettleStage } from './pipeline/settle.stage';
import { TokenLimit } from './pipeline/token-limit';
import { CircuitBreakers } from './relay/circuit-breakers';
import { UpstreamClient } from './relay/upstream-client';
import { UpstreamPools } from './relay/upstream-pools';
import { JsonOffload } from './validation/json-offload';
import { KeyBooks, PostgresKeyBooks, WalletKeyBooks } from './lookups/key-books';
import { KeyInfoController } from './lookups/key-info.controller';
import { KeyInfoService } from './lookups/key-info.service';

@Module({})
export class ProxyModule {
  static forRoot(config: AppConfig): DynamicModule {
    const wallet = config.billing.store === 'wallet';
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
        // The wallet's Redis connections exist only in a proxy that holds there.
        ...(wallet ? [WalletModule] : []),
      ],
      controllers: [
        HealthController,
        ChatCompletionsController,
        ResponsesController,
        EmbeddingsController,
        OpenAiModelsController,
        AnthropicMessagesController,
        AnthropicModelsController,
        GeminiGenerateContentController,
        GeminiModelsController,
        KeyInfoController,
        GenerationController,
      ],
      providers: [
        AuthFailureLimiter,
        // Holds: the byte bound, or an exact count in worker threads (started with the proxy).
        ExactTokenCounter,
        HoldPlacer,
        // The reserve and settle stages' store (libs/billing, hold-ledger.port.ts), BILLING_STORE: PostgreSQL
        // reservations or the Redis wallet.
        { provide: HOLD_LEDGER, useClass: wallet ? WalletHoldLedger : PostgresHoldLedger },
        // The request path's stages, in order (pipeline/proxy-pipeline.ts runs them on every gateway route).
        AuthenticateStage,
        AdmitStage,
        ResolveStage,
        ReserveStage,
        SettleStage,
        // Keys' tokens per minute, taken by the reserve stage and settled by the settle stage.
        TokenLimit,
        // GET /v1/generation: the settled record in PostgreSQL, the one kept in Redis until it lands.
        RecentGenerations,
        UsageRepository,
        GenerationLookup,
        UpstreamPools,
        CircuitBreakers,
        UpstreamClient,
        OpenAiRelay,
        AnthropicRelay,
        GeminiRelay,
        TranslatedRelay,
        CrossProviderRelay,
        TokenCountRelay,
        JsonOffload,
        // Self-service lookups: money read from the store that holds it.
        KeyInfoRepository,
        { provide: KeyBooks, useClass: wallet ? WalletKeyBooks : PostgresKeyBooks },
        KeyInfoService,
        // Errors outside the gateway routes (unknown paths, health): the protocol is read off the URL.
        { provide: APP_FILTER, useClass: GlobalExceptionFilter },
      ],
    };
  }
}
