import { Injectable } from '@nestjs/common';
import { PrismaService } from '../prisma.service';

/** What the proxy needs to authorise a request with a key. */
export interface ApiKeyAuthRecord {
  id: string;
  accountId: string;
  status: 'active' | 'disabled' | 'revoked';
  accountActive: boolean;
  allowedModels: string[];
  rpmLimit: number | null;
  expiresAt: Date | null;
}

@Injectable()
export class ApiKeysRepository {
  constructor(private readonly prisma: PrismaService) {}

  async findForAuth(keyHash: string): Promise<ApiKeyAuthRecord | null> {
    const key = await this.prisma.apiKey.findUnique({
      where: { keyHash },
      select: {
        id: true,
        accountId: true,
        status: true,
        allowedModels: true,
        rpmLimit: true,
        expiresAt: true,
        account: { select: { status: true } },
      },
    });
    if (!key) return null;
    return {
      id: key.id,
      accountId: key.accountId,
      status: key.status,
      accountActive: key.account.status === 'active',
      allowedModels: key.allowedModels,
      rpmLimit: key.rpmLimit,
      expiresAt: key.expiresAt,
    };
  }
}
