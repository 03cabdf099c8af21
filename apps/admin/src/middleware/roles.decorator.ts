import { SetMetadata } from '@nestjs/common';
import type { StaffRole } from '@gw/db';

export const ROLES_KEY = 'admin:roles';
export const PUBLIC_KEY = 'admin:public';

/**
 * The roles, besides admin, that may call a route. Admin may call every route; a route without @Roles is admin-only,
 * so forgetting the decorator fails closed.
 */
export const Roles = (...roles: Exclude<StaffRole, 'admin'>[]) => SetMetadata(ROLES_KEY, roles);

/** No staff token needed (health probes). */
export const Public = () => SetMetadata(PUBLIC_KEY, true);
