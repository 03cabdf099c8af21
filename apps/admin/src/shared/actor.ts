import type { StaffRole } from '@gw/db';

/** Who is making a request: every write is recorded under this staff id, with the request id. */
export interface Actor {
  staffId: string;
  role: StaffRole;
  requestId: string | null;
}
