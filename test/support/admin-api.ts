import { TEST_ADMIN_TOKEN } from './test-env';

export interface AdminResponse<T = any> {
  status: number;
  body: T;
  headers: Headers;
}

/** A thin HTTP client of the admin API as an outside tool drives it: JSON over fetch with a staff bearer token. */
export class AdminApi {
  constructor(
    readonly baseUrl: string,
    readonly token: string | null = TEST_ADMIN_TOKEN,
  ) {}

  /** The same API as another staff member (or, with null, with no Authorization header). */
  as(token: string | null): AdminApi {
    return new AdminApi(this.baseUrl, token);
  }

  async request<T = any>(
    method: string,
    path: string,
    options: { body?: unknown; headers?: Record<string, string> } = {},
  ): Promise<AdminResponse<T>> {
    const headers: Record<string, string> = { ...options.headers };
    if (this.token !== null) headers.authorization = `Bearer ${this.token}`;
    if (options.body !== undefined) headers['content-type'] = 'application/json';
    const response = await fetch(`${this.baseUrl}${path}`, {
      method,
      headers,
      body: options.body === undefined ? undefined : JSON.stringify(options.body),
    });
    const text = await response.text();
    return { status: response.status, body: text ? JSON.parse(text) : null, headers: response.headers };
  }

  /** The body exactly as given (bytes that are not JSON, or not UTF-8), with the staff token and these headers. */
  async raw<T = any>(method: string, path: string, body?: string | Buffer, headers: Record<string, string> = {}) {
    const response = await fetch(`${this.baseUrl}${path}`, {
      method,
      headers: { ...(this.token !== null ? { authorization: `Bearer ${this.token}` } : {}), ...headers },
      body,
    });
    const text = await response.text();
    return { status: response.status, body: (text ? JSON.parse(text) : null) as T, headers: response.headers };
  }

  get<T = any>(path: string) {
    return this.request<T>('GET', path);
  }

  post<T = any>(path: string, body?: unknown, headers?: Record<string, string>) {
    return this.request<T>('POST', path, { body, headers });
  }

  patch<T = any>(path: string, body: unknown) {
    return this.request<T>('PATCH', path, { body });
  }

  put<T = any>(path: string, body: unknown) {
    return this.request<T>('PUT', path, { body });
  }

  delete<T = any>(path: string) {
    return this.request<T>('DELETE', path);
  }

  /**
   * Every item of a list, page by page (500 at a time). Other suites write the same tables meanwhile, so a test finds
   * its own rows by id in the whole list, never by position or in the first page.
   */
  async listAll<T = any>(path: string): Promise<T[]> {
    const items: T[] = [];
    let cursor: string | null = null;
    do {
      const separator = path.includes('?') ? '&' : '?';
      const page: AdminResponse = await this.get(`${path}${separator}limit=500${cursor ? `&cursor=${cursor}` : ''}`);
      if (page.status !== 200) throw new Error(`listing ${path}: ${page.status} ${JSON.stringify(page.body)}`);
      items.push(...page.body.data);
      cursor = page.body.nextCursor;
    } while (cursor);
    return items;
  }

  /** This target's audit entries, newest first (GET /audit-log?target=): a test's own, whatever else is written. */
  async auditOf<T = any>(target: string, filters: Record<string, string> = {}): Promise<T[]> {
    const query = new URLSearchParams({ target, ...filters }).toString();
    return this.listAll<T>(`/admin/v1/audit-log?${query}`);
  }

  /** Creates an account and, when asked, credits it through a top-up. */
  async createAccount(options: { name?: string; balanceUsd?: string } = {}): Promise<{ id: string }> {
    const created = await this.post('/admin/v1/accounts', { name: options.name ?? `e2e ${Date.now()}` });
    if (created.status !== 201) throw new Error(`account not created: ${JSON.stringify(created.body)}`);
    if (options.balanceUsd) {
      const topUp = await this.post(`/admin/v1/accounts/${created.body.id}/top-ups`, { amountUsd: options.balanceUsd });
      if (topUp.status !== 201) throw new Error(`top-up failed: ${JSON.stringify(topUp.body)}`);
    }
    return created.body;
  }

  /** A staff member of that role; returns the bearer token shown once. */
  async createStaff(role: 'admin' | 'support' | 'finance'): Promise<{ id: string; token: string }> {
    const email = `${role}-${Date.now()}-${Math.random().toString(36).slice(2, 8)}@example.com`;
    const created = await this.post('/admin/v1/staff', { email, role });
    if (created.status !== 201) throw new Error(`staff not created: ${JSON.stringify(created.body)}`);
    return created.body;
  }
}

/** Every error of the admin API has this shape (spec/errors.md, OpenAI format). */
export function expectError(response: AdminResponse, status: number, type: string, messagePattern?: RegExp): void {
  expect({ status: response.status, type: response.body?.error?.type, code: response.body?.error?.code }).toEqual({
    status,
    type,
    code: String(status),
  });
  expect(typeof response.body.error.message).toBe('string');
  if (messagePattern) expect(response.body.error.message).toMatch(messagePattern);
}
