import type { StaffRole } from '@gw/db';

/** The staff member a request was authenticated as (set by StaffAuthGuard). */
export interface AuthenticatedStaff {
  id: string;
  email: string;
  role: StaffRole;
}

declare module 'fastify' {
  interface FastifyRequest {
    staff?: AuthenticatedStaff;
    /** The client's X-Request-Id when acceptable, else a generated one: echoed on every answer, kept in audits. */
    adminRequestId?: string;
  }
}
