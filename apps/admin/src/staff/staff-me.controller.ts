import { Controller, Get, Req } from '@nestjs/common';
import { ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import type { FastifyRequest } from 'fastify';
import { Roles } from '../middleware/roles.decorator';
import { staffUnauthenticated } from './staff-authenticator.service';
import { CurrentStaffView } from './staff.view';
import '../middleware/admin-request';

/**
 * Who the caller is: every role may ask (the console learns from it which pages to show). Its own controller because
 * StaffController is admin-only as a whole.
 */
@ApiTags('staff')
@Controller('staff/me')
@Roles('support', 'finance')
export class StaffMeController {
  @Get()
  @ApiOperation({
    summary:
      "The staff member the bearer token belongs to (every role). ADMIN_TOKEN is the bootstrap admin: its staff id, " +
      "email 'bootstrap-admin' and role 'admin'",
  })
  @ApiOkResponse({ type: CurrentStaffView })
  me(@Req() request: FastifyRequest): CurrentStaffView {
    // StaffAuthGuard has set it on every non-public route; the check keeps a misconfiguration from answering blank.
    if (!request.staff) throw staffUnauthenticated();
    const { id, email, role } = request.staff;
    return { id, email, role };
  }
}
