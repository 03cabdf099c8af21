import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { STAGE_METRIC } from './stage-metrics';
import { stageTimingLines, StageWindowProbe } from './stage-timing';

/** A stand-in /metrics: serves whatever the test puts in `page` with `status`. */
let server: Server;
let baseUrl: string;
let page = '';
let status = 200;

beforeAll(async () => {
  server = createServer((request, response) => {
    response.writeHead(request.url === '/metrics' ? status : 404, { 'content-type': 'text/plain; version=0.0.4' });
    response.end(request.url === '/metrics' ? page : 'not found');
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

afterAll(() => new Promise((resolve) => server.close(resolve)));

beforeEach(() => {
  status = 200;
});

const stagePage = (relay: [number, number], settle: [number, number]) =>
  [
    `# TYPE ${STAGE_METRIC} histogram`,
    `${STAGE_METRIC}_sum{app="proxy",stage="relay"} ${relay[0]}`,
    `${STAGE_METRIC}_count{app="proxy",stage="relay"} ${relay[1]}`,
    `${STAGE_METRIC}_sum{app="proxy",stage="settle"} ${settle[0]}`,
    `${STAGE_METRIC}_count{app="proxy",stage="settle"} ${settle[1]}`,
  ].join('\n');

describe(StageWindowProbe.name, () => {
  it('gives the table of the window between its two scrapes', async () => {
    page = stagePage([1, 100], [0.1, 100]);
    const probe = await StageWindowProbe.open(baseUrl);
    page = stagePage([1.3, 200], [0.2, 200]);
    const lines = stageTimingLines(await probe.close());
    expect(lines).toEqual([
      '| stage | requests | mean µs/req | share of stage time |',
      '|---|---:|---:|---:|',
      '| relay | 100 | 3000.0 | 75.0% |',
      '| settle | 100 | 1000.0 | 25.0% |',
      '| **all stages** | | **4000.0** | 100% |',
    ]);
  });

  it('says in one line that the proxy has no stage metric', async () => {
    page = '# TYPE gw_requests_total counter\ngw_requests_total{app="proxy"} 3';
    const probe = await StageWindowProbe.open(baseUrl);
    expect(stageTimingLines(await probe.close())).toEqual([
      `The proxy exposes no \`${STAGE_METRIC}\` histogram on /metrics: no per-stage timing.`,
    ]);
  });

  it('says so when the stage metric is there but the window observed nothing', async () => {
    page = stagePage([1, 100], [0.1, 100]);
    const probe = await StageWindowProbe.open(baseUrl);
    expect(await probe.close()).toEqual({ missing: expect.stringMatching(/observed no stage during the window/) });
  });

  it('reports a refused scrape as such, not as an absent metric', async () => {
    status = 401;
    page = '{"error":{"message":"Invalid metrics token"}}';
    const probe = await StageWindowProbe.open(baseUrl);
    status = 200;
    page = stagePage([1, 100], [0.1, 100]);
    expect(await probe.close()).toEqual({ missing: expect.stringMatching(/not read: GET \/metrics answered 401/) });
  });
});
