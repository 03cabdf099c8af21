import { AddressInfo, createServer, Server, Socket } from 'node:net';
import { DemoProcesses, DemoService, waitForHealth } from '../../scripts/demo-processes';

/** A node child that answers 200 on every path of a free port, and writes the port to its stdout. */
const HEALTHY = `const s = require('http').createServer((q, r) => r.end('ok')).listen(0, '127.0.0.1', () => console.log(s.address().port));`;

function service(name: string, script: string, healthUrl: string): DemoService {
  return { name, command: process.execPath, args: ['-e', script], healthUrl };
}

describe(DemoProcesses.name, () => {
  let processes: DemoProcesses;

  beforeEach(() => {
    processes = new DemoProcesses({ cwd: process.cwd(), env: { PATH: process.env.PATH } });
  });

  afterEach(() => processes.stop());

  it('stops the services already started when a later one fails, so that none outlives the demo', async () => {
    // The first service's port is only known once it runs: it is started by hand, then the rest in order.
    const first = processes.run('first', process.execPath, ['-e', HEALTHY], 'pipe');
    const port = await new Promise<string>((resolve) => first.stdout!.once('data', (chunk: Buffer) => resolve(chunk.toString().trim())));
    const firstUrl = `http://127.0.0.1:${port}/`;
    await waitForHealth(firstUrl, first);

    const failing = service('failing', 'process.exit(1)', 'http://127.0.0.1:9/');
    await expect(processes.startInOrder([failing])).rejects.toThrow('process exited with code 1');

    expect(first.exitCode !== null || first.signalCode !== null).toBe(true);
    await expect(fetch(firstUrl)).rejects.toThrow();
  });

  describe('a port held by something that accepts connections and never answers', () => {
    let silent: Server;
    const held: Socket[] = [];
    beforeAll(async () => {
      silent = createServer((socket) => void held.push(socket));
      await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
    });
    afterAll(async () => {
      for (const socket of held) socket.destroy();
      await new Promise<void>((resolve) => silent.close(() => resolve()));
    });

    it('fails the start once the service exits, instead of waiting on that port for ever', async () => {
      const url = `http://127.0.0.1:${(silent.address() as AddressInfo).port}/readyz`;
      // Exits a moment after it starts, as an app does when it cannot listen (EADDRINUSE).
      const exits = service('exits', 'setTimeout(() => process.exit(1), 300)', url);
      await expect(processes.startInOrder([exits])).rejects.toThrow('process exited with code 1');
    });
  });
});
