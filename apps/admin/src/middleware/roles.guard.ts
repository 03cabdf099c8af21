import { CanActivate, ExecutionContext, Injectable } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import type { FastifyRequest } from 'fastify';
import { GatewayError } from '@gw/common';
import type { StaffRole } from '@gw/db';
import { PUBLIC_KEY, ROLES_KEY } from './roles.decorator';
import { staffUnauthenticated } from '../staff/staff-authenticator.service';
import './admin-request';

/** 403 unless the staff member's role may call the route (admin always may; see @Roles and the README matrix). */
@Injectable()
export class RolesGuard implements CanActivate {
  constructor(private readonly reflector: Reflector) {}

  canActivate(context: ExecutionContext): boolean {
    const targets = [context.getHandler(), context.getClass()];
    if (this.reflector.getAllAndOverride<boolean>(PUBLIC_KEY, targets)) return true;
    const staff = context.switchToHttp().getRequest<FastifyRequest>().staff;
    if (!staff) throw staffUnauthenticated();
    if (staff.role === 'admin') return true;
    const allowed = this.reflector.getAllAndOverride<StaffRole[] | undefined>(ROLES_KEY, targets) ?? [];
    if (allowed.includes(staff.role)) return true;
    throw GatewayError.permissionDenied(
      `The ${staff.role} role may not do this: it requires ${['admin', ...allowed].join(' or ')}`,
    );
  }
}
