import { Body, Controller, Get, Param, Patch, Post, Query } from '@nestjs/common';
import { ApiCreatedResponse, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { CurrentActor } from '../middleware/current-actor.decorator';
import type { Actor } from '../shared/actor';
import { ApiListResponse, ListResponse } from '../shared/list-response';
import { PageQueryDto } from '../shared/page-query.dto';
import { CreateStaffDto, UpdateStaffDto } from './staff.dto';
import { StaffService } from './staff.service';
import { CreatedStaffView, StaffView } from './staff.view';

/** Admin only (no @Roles). */
@ApiTags('staff')
@Controller('staff')
export class StaffController {
  constructor(private readonly staff: StaffService) {}

  @Post()
  @ApiOperation({ summary: 'Add a staff member; the bearer `token` is in this answer only (admin)' })
  @ApiCreatedResponse({ type: CreatedStaffView })
  create(@CurrentActor() actor: Actor, @Body() dto: CreateStaffDto): Promise<CreatedStaffView> {
    return this.staff.create(actor, dto);
  }

  @Get()
  @ApiOperation({ summary: 'List staff, newest first (admin)' })
  @ApiListResponse(StaffView)
  list(@Query() query: PageQueryDto): Promise<ListResponse<StaffView>> {
    return this.staff.list(query);
  }

  @Patch(':id')
  @ApiOperation({ summary: 'Disable or re-enable a staff member (admin)' })
  @ApiOkResponse({ type: StaffView })
  update(@CurrentActor() actor: Actor, @Param('id') id: string, @Body() dto: UpdateStaffDto): Promise<StaffView> {
    return this.staff.update(actor, id, dto);
  }
}
