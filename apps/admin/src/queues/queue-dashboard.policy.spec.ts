import type { AuthenticatedStaff } from '../middleware/admin-request';
import { cookieValue, dashboardRefusal } from './queue-dashboard.policy';

const admin: AuthenticatedStaff = { id: 's1', email: 'a@example.com', role: 'admin' };

describe(dashboardRefusal.name, () => {
  it('lets admins read everything', () => {
    expect(dashboardRefusal(admin, 'GET', '/')).toBeNull();
    expect(dashboardRefusal(admin, 'GET', '/api/queues')).toBeNull();
    expect(dashboardRefusal(admin, 'GET', '/static/js/main.js')).toBeNull();
  });

  it('refuses every other role, reads included', () => {
    expect(dashboardRefusal({ ...admin, role: 'finance' }, 'GET', '/api/queues')).toMatch(/admin role, not finance/);
    expect(dashboardRefusal({ ...admin, role: 'support' }, 'GET', '/')).toMatch(/admin role/);
  });

  it.each([
    ['PUT', '/api/queues/gateway/retry/failed'],
    ['PUT', '/api/queues/gateway/settle-gen-1/retry'],
    ['PUT', '/api/queues/gateway/clean/completed'],
    ['PUT', '/api/queues/gateway/settle-gen-1/clean'],
    ['PUT', '/api/queues/gateway/promote'],
    ['PUT', '/api/queues/gateway/pause'],
    ['PUT', '/api/queues/resume'],
  ])('lets admins %s %s (moving jobs along)', (method, path) => {
    expect(dashboardRefusal(admin, method, path)).toBeNull();
  });

  it.each([
    ['POST', '/api/queues/gateway/add'],
    ['PATCH', '/api/queues/gateway/settle-gen-1/update-data'],
    ['PUT', '/api/queues/gateway/empty'],
    ['PUT', '/api/queues/gateway/obliterate'],
    ['PUT', '/api/queues/gateway/job-schedulers/schedule-reconcile/remove'],
    ['PATCH', '/api/queues/gateway/job-schedulers/schedule-reconcile'],
    ['PUT', '/api/queues/gateway/rate-limit/release'],
    ['DELETE', '/api/queues/gateway'],
  ])('refuses %s %s even to admins (creating or editing jobs and schedules)', (method, path) => {
    expect(dashboardRefusal(admin, method, path)).toMatch(/disabled/);
  });
});

describe(cookieValue.name, () => {
  it('finds one cookie among others, or null', () => {
    expect(cookieValue('a=1; gw_queues_session=abc-_; b=2', 'gw_queues_session')).toBe('abc-_');
    expect(cookieValue('gw_queues_session=', 'gw_queues_session')).toBeNull();
    expect(cookieValue(undefined, 'gw_queues_session')).toBeNull();
    expect(cookieValue('xgw_queues_session=1', 'gw_queues_session')).toBeNull();
  });
});
