import { Inject, Injectable, OnModuleInit } from '@nestjs/common';
import { APP_CONFIG, AppConfig } from '@gw/config';
import { constantTimeEqual, displayPrefix, sha256Hex } from '@gw/common';
import { StaffRepository } from '@gw/db';
import type { AuthenticatedStaff } from '../middleware/admin-request';

/** Not an email address, so no staff member created through the API can take it. */
export const BOOTSTRAP_ADMIN_EMAIL = 'bootstrap-admin';

/**
 * The holder of ADMIN_TOKEN is the first admin. It is kept as a staff row (its token's SHA-256, like any staff token)
 * so that what it does is audited under a staff id; the row is brought in line with the token at every start.
 */
@Injectable()
export class BootstrapAdmin implements OnModuleInit {
  private staff?: AuthenticatedStaff;
  private readonly token: string;

  constructor(
    private readonly repository: StaffRepository,
    @Inject(APP_CONFIG) config: AppConfig,
  ) {
    if (!config.admin.bootstrapToken) throw new Error('ADMIN_TOKEN is required by the admin app');
    this.token = config.admin.bootstrapToken;
  }

  async onModuleInit(): Promise<void> {
    const row = await this.repository.upsertBootstrapAdmin(
      BOOTSTRAP_ADMIN_EMAIL,
      sha256Hex(this.token),
      displayPrefix(this.token),
    );
    this.staff = { id: row.id, email: row.email, role: 'admin' };
  }

  get staffId(): string | undefined {
    return this.staff?.id;
  }

  /** The bootstrap admin when `token` is ADMIN_TOKEN (compared in constant time), else null. */
  match(token: string): AuthenticatedStaff | null {
    return this.staff && constantTimeEqual(token, this.token) ? this.staff : null;
  }
}
