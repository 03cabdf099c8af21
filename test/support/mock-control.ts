/** The mock upstream's control endpoints (apps/mock-upstream, `/__mock/*`). */
export interface MockStatsView {
  requests: number;
  inflight: number;
  aborted: number;
  completed: number;
  dropped: number;
  byRoute: Record<string, number>;
}

export interface MockRequestView {
  method: string;
  path: string;
  headers: Record<string, string | string[] | undefined>;
  hadAuth: boolean;
  body: any;
}

export async function mockStats(mockUrl: string): Promise<MockStatsView> {
  return (await fetch(`${mockUrl}/__mock/stats`)).json() as Promise<MockStatsView>;
}

/** The request the mock received whose JSON body contains `marker` (a test's nonce), or undefined. */
export async function mockRequestWith(mockUrl: string, marker: string): Promise<MockRequestView | undefined> {
  const requests = (await (await fetch(`${mockUrl}/__mock/requests?limit=200`)).json()) as MockRequestView[];
  return requests.reverse().find((request) => JSON.stringify(request.body ?? null).includes(marker));
}
