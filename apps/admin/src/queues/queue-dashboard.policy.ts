import type { AuthenticatedStaff } from '../middleware/admin-request';

export const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS']);

/**
 * Dashboard actions that only move jobs along (retry, promote, clean up, pause, resume). Everything else that writes
 * (adding or editing jobs, emptying or obliterating the queue, editing schedules) is refused whatever the role: a job
 * can carry money (a settlement), and schedules are the workers' to define.
 */
const ALLOWED_WRITES: RegExp[] = [
  /^\/api\/queues\/(pause|resume)$/,
  /^\/api\/queues\/[^/]+\/(pause|resume|promote)$/,
  /^\/api\/queues\/[^/]+\/(retry|clean)\/[^/]+$/,
  /^\/api\/queues\/[^/]+\/[^/]+\/(retry|clean|promote)$/,
];

/** Which dashboard requests a staff member may make. Null when allowed, else why not. */
export function dashboardRefusal(staff: AuthenticatedStaff, method: string, path: string): string | null {
  if (staff.role !== 'admin') return `The queue dashboard is for the admin role, not ${staff.role}`;
  if (SAFE_METHODS.has(method)) return null;
  if (ALLOWED_WRITES.some((pattern) => pattern.test(path))) return null;
  return 'This dashboard action is disabled: the dashboard may retry, promote, clean, pause and resume jobs only';
}

/** The value of one cookie in a Cookie header, or null. */
export function cookieValue(header: string | undefined, name: string): string | null {
  for (const part of (header ?? '').split(';')) {
    const [key, ...value] = part.trim().split('=');
    if (key === name) return value.join('=') || null;
  }
  return null;
}
