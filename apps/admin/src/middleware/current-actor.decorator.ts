import { createParamDecorator, ExecutionContext } from '@nestjs/common';
import type { FastifyRequest } from 'fastify';
import type { Actor } from '../shared/actor';
import './admin-request';

/** The authenticated staff member and the request id, for services that record what they change. */
export const CurrentActor = createParamDecorator((_data: unknown, context: ExecutionContext): Actor => {
  const request = context.switchToHttp().getRequest<FastifyRequest>();
  if (!request.staff) throw new Error('CurrentActor used on a route without staff authentication');
  return { staffId: request.staff.id, role: request.staff.role, requestId: request.adminRequestId ?? null };
});
