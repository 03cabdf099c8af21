import { ApiError, apiErrorFrom } from './api-error';

export type QueryValues = Record<string, string | number | null | undefined>;

export interface RequestOptions {
  query?: QueryValues;
  body?: unknown;
  headers?: Record<string, string>;
}

/** `?a=1&b=x` from the values that are set (empty strings and nulls are left out, as the API reads them as absent). */
export function queryString(query: QueryValues = {}): string {
  const parameters = new URLSearchParams();
  for (const [name, value] of Object.entries(query)) {
    if (value !== undefined && value !== null && value !== '') parameters.set(name, String(value));
  }
  const text = parameters.toString();
  return text ? `?${text}` : '';
}

/**
 * The admin API over fetch, same origin, with the staff token in the Authorization header (never in a URL, never in a
 * cookie). Every failure becomes an ApiError with the API's message; a 401 also tells the session, which signs out.
 */
export class AdminClient {
  constructor(
    private readonly token: string,
    private readonly onUnauthorized: (error: ApiError) => void = () => undefined,
    private readonly baseUrl = '/admin/v1',
  ) {}

  async request<T>(method: string, path: string, options: RequestOptions = {}): Promise<T> {
    const headers: Record<string, string> = { accept: 'application/json', ...options.headers };
    headers.authorization = `Bearer ${this.token}`;
    if (options.body !== undefined) headers['content-type'] = 'application/json';
    let response: Response;
    try {
      response = await fetch(`${this.baseUrl}${path}${queryString(options.query)}`, {
        method,
        headers,
        body: options.body === undefined ? undefined : JSON.stringify(options.body),
        credentials: 'omit',
        cache: 'no-store',
      });
    } catch (error) {
      throw new ApiError(`Could not reach the admin API: ${(error as Error).message}`, 0);
    }
    const text = await response.text();
    let body: unknown = null;
    try {
      body = text ? JSON.parse(text) : null;
    } catch {
      body = null;
    }
    if (!response.ok) {
      const error = apiErrorFrom(response.status, response.statusText, body);
      if (response.status === 401) this.onUnauthorized(error);
      throw error;
    }
    return body as T;
  }

  get<T>(path: string, query?: QueryValues): Promise<T> {
    return this.request<T>('GET', path, { query });
  }

  post<T>(path: string, body?: unknown, headers?: Record<string, string>): Promise<T> {
    return this.request<T>('POST', path, { body: body ?? {}, headers });
  }

  patch<T>(path: string, body: unknown): Promise<T> {
    return this.request<T>('PATCH', path, { body });
  }

  put<T>(path: string, body: unknown): Promise<T> {
    return this.request<T>('PUT', path, { body });
  }

  delete(path: string): Promise<void> {
    return this.request<void>('DELETE', path);
  }
}
