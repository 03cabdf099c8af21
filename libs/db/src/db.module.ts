import { Global, Module } from '@nestjs/common';
import { ChannelCredentials } from './channel-credentials';
import { PrismaService } from './prisma.service';

@Global()
@Module({ providers: [PrismaService, ChannelCredentials], exports: [PrismaService, ChannelCredentials] })
export class DbModule {}
