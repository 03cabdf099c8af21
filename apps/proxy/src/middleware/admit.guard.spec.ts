import type { ExecutionContext } from '@nestjs/common';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { GatewayError, GatewayErrorCode } from '@gw/common';
import type { Admitted, Caller, RateLimitState } from '../context/request-context';
import type { AdmitStage } from '../pipeline/admit.stage';
import { recordBodyProblem } from '../validation/body-problem';
import { AdmitGuard } from './admit.guard';

jest.mock('../context/stage-timer', () => ({ observeStage: jest.fn() }));

const RATE_LIMIT: RateLimitState = { limit: 60, remaining: 41, resetSeconds: 17 };
const RATE_LIMIT_HEADERS = { 'x-ratelimit-limit': '60', 'x-ratelimit-remaining': '41', 'x-ratelimit-reset': '17' };

describe(AdmitGuard.name, () => {
  const caller = { route: { protocol: 'openai', endpoint: 'chat.completions', billable: true }, key: {} } as unknown as Caller;

  function setUp(admit: () => Promise<Admitted>) {
    const stage = { admit: jest.fn(admit) } as unknown as AdmitStage;
    const headers: Record<string, string> = {};
    const reply = {
      raw: {},
      headers: (set: Record<string, string>) => (Object.assign(headers, set), reply),
      header: (name: string, value: string) => ((headers[name] = value), reply),
    } as unknown as FastifyReply;
    const request = { gw: { reached: caller }, body: undefined } as unknown as FastifyRequest;
    const context = {
      switchToHttp: () => ({ getRequest: () => request, getResponse: () => reply }),
    } as unknown as ExecutionContext;
    return { sut: new AdmitGuard(stage), stage, request, headers, context };
  }

  it('admits the caller and puts the rate-limit state on the reply', async () => {
    const { sut, request, headers, context } = setUp(async () => ({ ...caller, rateLimit: RATE_LIMIT }));
    await expect(sut.canActivate(context)).resolves.toBe(true);
    expect(request.gw.reached).toMatchObject({ rateLimit: RATE_LIMIT });
    expect(headers).toEqual(RATE_LIMIT_HEADERS);
  });

  it("refuses the body's recorded problem once admitted: counted, and answered with X-RateLimit-*", async () => {
    const { sut, stage, request, headers, context } = setUp(async () => ({ ...caller, rateLimit: RATE_LIMIT }));
    const tooLarge = new GatewayError(GatewayErrorCode.PAYLOAD_TOO_LARGE, 'Request body is too large');
    recordBodyProblem(request, tooLarge);
    await expect(sut.canActivate(context)).rejects.toBe(tooLarge);
    expect(stage.admit).toHaveBeenCalledTimes(1);
    expect(request.gw.reached).toMatchObject({ rateLimit: RATE_LIMIT });
    expect(headers).toEqual({ ...RATE_LIMIT_HEADERS, connection: 'close' });
  });

  it("answers the admission's own refusal first (429), not the body's problem", async () => {
    const limited = new GatewayError(GatewayErrorCode.RATE_LIMITED, 'Rate limit exceeded. Retry after 3 seconds.');
    const { sut, request, headers, context } = setUp(async () => {
      throw limited;
    });
    recordBodyProblem(request, GatewayError.invalidRequest('Request body is not valid JSON'));
    await expect(sut.canActivate(context)).rejects.toBe(limited);
    expect(headers).toEqual({});
  });
});
