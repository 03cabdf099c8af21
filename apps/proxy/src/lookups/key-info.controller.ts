import { Controller, Get, Req } from '@nestjs/common';
import type { FastifyRequest } from 'fastify';
import { reachedOf } from '../context/request-context';
import { GatewayRoute } from '../pipeline/proxy-pipeline';
import { KeyInfoService } from './key-info.service';
import type { KeyInfo } from './key-info.view';

/**
 * GET /v1/key/info, /anthropic/v1/key/info and /gemini/v1beta/key/info (spec/policy.md, "Self-service lookups"): the
 * calling key's policy, its account's balance and the key's usage today, authenticated like any request of the
 * protocol (its key sources, its error format), rate-limited like a models list, and free.
 */
@Controller()
export class KeyInfoController {
  constructor(private readonly keyInfo: KeyInfoService) {}

  @Get('v1/key/info')
  @GatewayRoute({ protocol: 'openai', endpoint: 'key_info', billable: false })
  async openai(@Req() request: FastifyRequest): Promise<{ data: KeyInfo }> {
    return { data: await this.keyInfo.describe(reachedOf(request)) };
  }

  @Get('anthropic/v1/key/info')
  @GatewayRoute({ protocol: 'anthropic', endpoint: 'key_info', billable: false })
  async anthropic(@Req() request: FastifyRequest): Promise<{ data: KeyInfo }> {
    return { data: await this.keyInfo.describe(reachedOf(request)) };
  }

  @Get('gemini/v1beta/key/info')
  @GatewayRoute({ protocol: 'gemini', endpoint: 'key_info', billable: false })
  async gemini(@Req() request: FastifyRequest): Promise<{ data: KeyInfo }> {
    return { data: await this.keyInfo.describe(reachedOf(request)) };
  }
}
