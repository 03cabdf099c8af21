import { CanActivate, ExecutionContext, Injectable } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import type { FastifyRequest } from 'fastify';
import { GatewayError, GatewayErrorCode } from '@gw/common';
import { StaffAuthenticator } from '../staff/staff-authenticator.service';
import { PUBLIC_KEY } from './roles.decorator';
import './admin-request';

export function staffUnauthenticated(): GatewayError {
  return new GatewayError(GatewayErrorCode.UNAUTHENTICATED, 'Invalid or missing staff token');
}

/** `Authorization: Bearer <staff token>` on every route but the public ones; 401 if missing, unknown or disabled. */
@Injectable()
export class StaffAuthGuard implements CanActivate {
  constructor(
    private readonly reflector: Reflector,
    private readonly authenticator: StaffAuthenticator,
  ) {}

  async canActivate(context: ExecutionContext): Promise<boolean> {
    if (this.reflector.getAllAndOverride<boolean>(PUBLIC_KEY, [context.getHandler(), context.getClass()])) return true;
    const request = context.switchToHttp().getRequest<FastifyRequest>();
    const match = /^Bearer\s+(\S+)\s*$/i.exec(request.headers.authorization ?? '');
    const staff = match ? await this.authenticator.authenticate(match[1]) : null;
    if (!staff) throw staffUnauthenticated();
    request.staff = staff;
    return true;
  }
}
