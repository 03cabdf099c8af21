import { Injectable } from '@nestjs/common';
import { sha256Hex } from '@gw/common';
import { StaffRepository } from '@gw/db';
import type { AuthenticatedStaff } from '../middleware/admin-request';
import { BootstrapAdmin } from './bootstrap-admin.service';

/** Longer than any token we issue or accept as ADMIN_TOKEN: refused without hashing. */
const MAX_TOKEN_LENGTH = 512;

/**
 * A bearer token -> the active staff member it belongs to. Staff tokens are looked up by their SHA-256 (nothing secret
 * is compared), and read from the database each time so that disabling a staff member takes effect at once.
 */
@Injectable()
export class StaffAuthenticator {
  constructor(
    private readonly bootstrap: BootstrapAdmin,
    private readonly staff: StaffRepository,
  ) {}

  async authenticate(token: string): Promise<AuthenticatedStaff | null> {
    if (token.length === 0 || token.length > MAX_TOKEN_LENGTH) return null;
    const bootstrap = this.bootstrap.match(token);
    if (bootstrap) return bootstrap;
    const member = await this.staff.findByTokenHash(sha256Hex(token));
    if (!member || member.status !== 'active') return null;
    return { id: member.id, email: member.email, role: member.role };
  }
}
