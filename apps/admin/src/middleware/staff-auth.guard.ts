import { CanActivate, ExecutionContext, Injectable } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import type { FastifyRequest } from 'fastify';
import { StaffAuthenticator } from '../staff/staff-authenticator.service';
import { PUBLIC_KEY } from './roles.decorator';
import { bearerToken } from './staff-credentials';
import './admin-request';

/**
 * `Authorization: Bearer <staff token>` on every route but the public ones: 401 if missing, unknown or disabled, 429
 * for an address blocked after too many failures (StaffAuthenticator.authenticateRequest).
 */
@Injectable()
export class StaffAuthGuard implements CanActivate {
  constructor(
    private readonly reflector: Reflector,
    private readonly authenticator: StaffAuthenticator,
  ) {}

  async canActivate(context: ExecutionContext): Promise<boolean> {
    if (this.reflector.getAllAndOverride<boolean>(PUBLIC_KEY, [context.getHandler(), context.getClass()])) return true;
    const request = context.switchToHttp().getRequest<FastifyRequest>();
    request.staff = await this.authenticator.authenticateRequest(request, bearerToken(request));
    return true;
  }
}
