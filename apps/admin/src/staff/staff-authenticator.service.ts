import { Injectable } from '@nestjs/common';
import type { FastifyRequest } from 'fastify';
import { GatewayError, GatewayErrorCode, sha256Hex } from '@gw/common';
import { StaffRepository } from '@gw/db';
import type { AuthenticatedStaff } from '../middleware/admin-request';
import { BootstrapAdmin } from './bootstrap-admin.service';
import { StaffAuthFailureLimiter } from './staff-auth-failure.limiter';

/** Longer than any token we issue or accept as ADMIN_TOKEN: refused without hashing. */
const MAX_TOKEN_LENGTH = 512;

export function staffUnauthenticated(): GatewayError {
  return new GatewayError(GatewayErrorCode.UNAUTHENTICATED, 'Invalid or missing staff token');
}

/**
 * A bearer token -> the active staff member it belongs to. Staff tokens are looked up by their SHA-256 (nothing secret
 * is compared), and read from the database each time so that disabling a staff member takes effect at once.
 */
@Injectable()
export class StaffAuthenticator {
  constructor(
    private readonly bootstrap: BootstrapAdmin,
    private readonly staff: StaffRepository,
    private readonly failures: StaffAuthFailureLimiter,
  ) {}

  async authenticate(token: string): Promise<AuthenticatedStaff | null> {
    if (token.length === 0 || token.length > MAX_TOKEN_LENGTH) return null;
    const bootstrap = this.bootstrap.match(token);
    if (bootstrap) return bootstrap;
    const member = await this.staff.findByTokenHash(sha256Hex(token));
    if (!member || member.status !== 'active') return null;
    return { id: member.id, email: member.email, role: member.role };
  }

  /**
   * The staff member behind the token a request presents (API, queue dashboard, sign-in form, OpenAPI document). A
   * blocked address is refused first, before any lookup (429 whatever it sends, so that a guesser learns nothing even
   * from a valid token); a credential that is not accepted counts as a failure of the address (401, then 429 once it
   * reaches AUTH_FAILURE_LIMIT). A request that presents no credential at all guesses nothing and is not counted.
   */
  async authenticateRequest(request: FastifyRequest, token: string | null): Promise<AuthenticatedStaff> {
    await this.failures.assertNotBlocked(request);
    const staff = token === null ? null : await this.authenticate(token);
    if (staff) return staff;
    if (token !== null || request.headers.authorization !== undefined) await this.failures.recordFailure(request);
    throw staffUnauthenticated();
  }

  /** 429 when the request's address is blocked for failed staff authentications. */
  assertNotBlocked(request: FastifyRequest): Promise<void> {
    return this.failures.assertNotBlocked(request);
  }
}
