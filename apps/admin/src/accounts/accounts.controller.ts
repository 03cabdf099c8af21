import { Body, Controller, Get, Param, Post, Query } from '@nestjs/common';
import { ApiCreatedResponse, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { CurrentActor } from '../middleware/current-actor.decorator';
import { Roles } from '../middleware/roles.decorator';
import type { Actor } from '../shared/actor';
import { ApiListResponse, ListResponse } from '../shared/list-response';
import { AccountView } from './account.view';
import { CreateAccountDto, ListAccountsQueryDto } from './accounts.dto';
import { AccountsService } from './accounts.service';

@ApiTags('accounts')
@Controller('accounts')
export class AccountsController {
  constructor(private readonly accounts: AccountsService) {}

  /** Admin only: the spec gives no other role the right to open accounts. */
  @Post()
  @ApiOperation({ summary: 'Open an account (admin)' })
  @ApiCreatedResponse({ type: AccountView })
  create(@CurrentActor() actor: Actor, @Body() dto: CreateAccountDto): Promise<AccountView> {
    return this.accounts.create(actor, dto);
  }

  @Get()
  @Roles('support', 'finance')
  @ApiOperation({ summary: 'List accounts, newest first; ?search= filters by name or email' })
  @ApiListResponse(AccountView)
  list(@Query() query: ListAccountsQueryDto): Promise<ListResponse<AccountView>> {
    return this.accounts.list(query);
  }

  @Get(':id')
  @Roles('support', 'finance')
  @ApiOperation({ summary: 'One account' })
  @ApiOkResponse({ type: AccountView })
  get(@Param('id') id: string): Promise<AccountView> {
    return this.accounts.get(id);
  }
}
