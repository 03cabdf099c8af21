import { Logger } from '@nestjs/common';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { createBullBoard } from '@bull-board/api';
import { BullMQAdapter } from '@bull-board/api/bullMQAdapter';
import { FastifyAdapter as BullBoardFastifyAdapter } from '@bull-board/fastify';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { GatewayError } from '@gw/common';
import { StaffRepository, TransactionRunner } from '@gw/db';
import { JobQueue } from '@gw/jobs';
import { AuditService } from '../audit/audit.service';
import type { AuthenticatedStaff } from '../middleware/admin-request';
import { sendAdminError, toGatewayError } from '../middleware/error-response';
import { bearerToken } from '../middleware/staff-credentials';
import { StaffAuthenticator, staffUnauthenticated } from '../staff/staff-authenticator.service';
import { loginPage } from './login-page';
import { cookieValue, dashboardRefusal, SAFE_METHODS } from './queue-dashboard.policy';
import { QueueDashboardSessions, SESSION_TTL_S } from './queue-dashboard-sessions.service';

export const QUEUES_PATH = '/admin/queues';
const LOGIN_PATH = `${QUEUES_PATH}/login`;
const COOKIE = 'gw_queues_session';

interface DashboardAuth {
  staff: AuthenticatedStaff;
  via: 'bearer' | 'session';
}

/**
 * Mounts bull-board at /admin/queues behind staff authentication (admin role): the same `Authorization: Bearer`
 * token as the API, or, for a browser, a session cookie obtained by posting the token to /admin/queues/login
 * (docs/worker.md, "Queue dashboard"). Every write through the dashboard is audited. Wrong tokens (bearer or posted
 * to the sign-in form) count against the address's failed-authentication limit, as on the API.
 */
export async function registerQueueDashboard(app: NestFastifyApplication): Promise<void> {
  const logger = new Logger('QueueDashboard');
  const authenticator = app.get(StaffAuthenticator);
  const staffRepository = app.get(StaffRepository);
  const sessions = app.get(QueueDashboardSessions);
  const audit = app.get(AuditService);
  const transactions = app.get(TransactionRunner);

  const board = new BullBoardFastifyAdapter();
  board.setBasePath(QUEUES_PATH);
  createBullBoard({
    queues: [new BullMQAdapter(app.get(JobQueue).queue)],
    serverAdapter: board,
    options: { uiConfig: { boardTitle: 'Chuizi Gateway' } },
  });

  /** Throws 401 for a wrong bearer token, 429 for a blocked address; null when there is no live session. */
  async function authenticate(request: FastifyRequest): Promise<DashboardAuth | null> {
    if (request.headers.authorization !== undefined) {
      return { staff: await authenticator.authenticateRequest(request, bearerToken(request)), via: 'bearer' };
    }
    // A session id is 256 random bits: a miss is a sign-in that expired, not a guess, so it is not counted.
    await authenticator.assertNotBlocked(request);
    const sessionId = cookieValue(request.headers.cookie, COOKIE);
    const staffId = sessionId ? await sessions.staffIdOf(sessionId) : null;
    const member = staffId ? await staffRepository.findById(staffId) : null;
    if (!member || member.status !== 'active') return null;
    return { staff: { id: member.id, email: member.email, role: member.role }, via: 'session' };
  }

  // The dashboard itself (pages, assets, its JSON API).
  await app.register(async (scope: FastifyInstance) => {
    scope.addHook('onRequest', async (request, reply) => {
      let auth: DashboardAuth | null;
      try {
        auth = await authenticate(request);
      } catch (error) {
        sendAdminError(request, reply, error);
        return reply;
      }
      if (!auth) {
        if (request.method === 'GET' && (request.headers.accept ?? '').includes('text/html')) {
          return reply.redirect(LOGIN_PATH, 303);
        }
        sendAdminError(request, reply, staffUnauthenticated());
        return reply;
      }
      const path = request.url.split('?')[0].slice(QUEUES_PATH.length);
      const refusal =
        dashboardRefusal(auth.staff, request.method, path) ??
        (auth.via === 'session' && !SAFE_METHODS.has(request.method) && !sameOrigin(request)
          ? 'Cross-site requests are refused'
          : null);
      if (refusal) {
        sendAdminError(request, reply, GatewayError.permissionDenied(refusal));
        return reply;
      }
      request.staff = auth.staff;
    });
    scope.addHook('onResponse', async (request, reply) => {
      if (SAFE_METHODS.has(request.method) || reply.statusCode >= 400 || !request.staff) return;
      const staff = request.staff;
      const path = request.url.split('?')[0];
      try {
        await transactions.run((tx) =>
          audit.record(
            { staffId: staff.id, role: staff.role, requestId: request.adminRequestId ?? null },
            {
              action: `queue_dashboard.${request.method.toLowerCase()}`,
              target: `queue-dashboard:${path}`,
              before: null,
              after: null,
            },
            tx,
          ),
        );
      } catch (error) {
        logger.error(`could not audit ${request.method} ${path}: ${(error as Error).message}`);
      }
    });
    await scope.register(board.registerPlugin(), { prefix: QUEUES_PATH });
  });

  // Signing in and out (no session needed to reach these).
  await app.register(async (scope: FastifyInstance) => {
    // This scope is created before app.init() installs Nest's error handler, so it would keep Fastify's default one:
    // a body it cannot take (too large, another content type, broken JSON) was answered in Fastify's own format
    // (`{"statusCode":413,"code":"FST_ERR_CTP_BODY_TOO_LARGE",...}`, 415 instead of 400). Ours instead.
    scope.setErrorHandler((error, request, reply) => {
      const unsupported = (error as { code?: string }).code === 'FST_ERR_CTP_INVALID_MEDIA_TYPE';
      sendAdminError(
        request,
        reply,
        unsupported
          ? GatewayError.invalidRequest(
              'Unsupported content type: post the sign-in form (application/x-www-form-urlencoded) or send a Bearer token',
            )
          : error,
      );
    });
    scope.addContentTypeParser(
      'application/x-www-form-urlencoded',
      { parseAs: 'string', bodyLimit: 4_096 },
      (_request, body, done) => done(null, Object.fromEntries(new URLSearchParams(body as string))),
    );
    scope.get(LOGIN_PATH, async (_request, reply) => sendLoginPage(reply, 200, null));
    scope.post(LOGIN_PATH, async (request, reply) => {
      const viaHeader = request.headers.authorization !== undefined;
      const body = request.body as Record<string, unknown> | undefined;
      const posted = typeof body?.token === 'string' ? body.token.trim() : '';
      const token = viaHeader ? bearerToken(request) : posted || null;
      let staff: AuthenticatedStaff;
      try {
        staff = await authenticator.authenticateRequest(request, token);
        if (staff.role !== 'admin') {
          throw GatewayError.permissionDenied(`The queue dashboard is for the admin role, not ${staff.role}`);
        }
      } catch (error) {
        if (viaHeader) {
          sendAdminError(request, reply, error);
          return reply;
        }
        const refusal = toGatewayError(error);
        const problem =
          refusal.status === 429 ? `Too many failed sign-ins from your address. ${refusal.message}` : refusal.message;
        return sendLoginPage(reply.headers(refusal.headers), refusal.status, problem);
      }
      const sessionId = await sessions.create(staff.id);
      return reply.header('set-cookie', sessionCookie(sessionId, SESSION_TTL_S)).redirect(QUEUES_PATH, 303);
    });
    scope.post(`${QUEUES_PATH}/logout`, async (request, reply) => {
      const sessionId = cookieValue(request.headers.cookie, COOKIE);
      if (sessionId) await sessions.destroy(sessionId);
      return reply.header('set-cookie', sessionCookie('', 0)).redirect(LOGIN_PATH, 303);
    });
  });
}

/** HttpOnly (no script reads it), SameSite=Strict (no other site sends it), Secure, scoped to the dashboard. */
function sessionCookie(value: string, maxAgeS: number): string {
  return `${COOKIE}=${value}; Path=${QUEUES_PATH}; Max-Age=${maxAgeS}; HttpOnly; Secure; SameSite=Strict`;
}

/** A write carrying a session cookie must come from the dashboard's own pages (defence in depth to SameSite). */
function sameOrigin(request: FastifyRequest): boolean {
  const origin = request.headers.origin;
  if (origin === undefined) return true;
  try {
    return new URL(origin).host === request.headers.host;
  } catch {
    return false;
  }
}

function sendLoginPage(reply: FastifyReply, status: number, problem: string | null): FastifyReply {
  return reply
    .status(status)
    .header('content-type', 'text/html; charset=utf-8')
    .header('cache-control', 'no-store')
    .header(
      'content-security-policy',
      "default-src 'none'; style-src 'unsafe-inline'; form-action 'self'; frame-ancestors 'none'",
    )
    .send(loginPage(LOGIN_PATH, problem));
}
