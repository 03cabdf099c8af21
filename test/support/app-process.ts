import { ChildProcess, spawn } from 'node:child_process';
import { join } from 'node:path';
import { closeTestDb } from './test-db';
import { DIST_DIR, testEnv } from './test-env';

const ROOT = join(__dirname, '..', '..');
export type AppName = 'proxy' | 'admin' | 'worker' | 'mock-upstream';

const PORT_VARIABLE: Record<AppName, string> = {
  proxy: 'PROXY_PORT',
  admin: 'ADMIN_PORT',
  worker: 'WORKER_PORT',
  'mock-upstream': 'MOCK_UPSTREAM_PORT',
};

/** One app running as its own process, exactly as `node dist/apps/<app>/src/main.js` runs it in production. */
export class AppProcess {
  private output = '';

  private constructor(
    readonly name: AppName,
    readonly child: ChildProcess,
  ) {
    child.stdout!.on('data', (chunk: Buffer) => (this.output += chunk.toString()));
    child.stderr!.on('data', (chunk: Buffer) => (this.output += chunk.toString()));
  }

  url = '';

  /** Starts the app on a free port and resolves once it prints its "listening on" line. */
  static async start(name: AppName, env: Record<string, string> = {}, timeoutMs = 30_000): Promise<AppProcess> {
    const child = spawn(process.execPath, [join(ROOT, DIST_DIR, 'apps', name, 'src', 'main.js')], {
      env: { PATH: process.env.PATH, ...testEnv({ [PORT_VARIABLE[name]]: '0', ...env }) },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const app = new AppProcess(name, child);
    app.url = await new Promise<string>((resolve, reject) => {
      // A process that never listened is killed: left running, it would outlive the suite (nobody holds it to stop) and
      // load the machine for every later suite.
      const timer = setTimeout(() => {
        child.kill('SIGKILL');
        reject(new Error(`${name} did not start:\n${app.output}`));
      }, timeoutMs);
      const onData = () => {
        const match = /listening on (http:\/\/\S+)/.exec(app.output);
        if (match) {
          clearTimeout(timer);
          resolve(match[1].replace('0.0.0.0', '127.0.0.1'));
        }
      };
      child.stdout!.on('data', onData);
      child.on('exit', (code) => {
        clearTimeout(timer);
        reject(new Error(`${name} exited with ${code} before listening:\n${app.output}`));
      });
    });
    return app;
  }

  /**
   * Waits for every start and resolves with the apps in order; when one failed, stops those that started, then throws
   * its error. With Promise.all an app that did start would be left with nobody to stop it: it outlives the suite, and
   * keeps jest waiting on its output.
   */
  static async together(starts: Promise<AppProcess>[]): Promise<AppProcess[]> {
    const settled = await Promise.allSettled(starts);
    const failed = settled.find((start): start is PromiseRejectedResult => start.status === 'rejected');
    const started = settled.flatMap((start) => (start.status === 'fulfilled' ? [start.value] : []));
    if (!failed) return started;
    await Promise.all(started.map((app) => app.stop('SIGKILL')));
    throw failed.reason;
  }

  get logs(): string {
    return this.output;
  }

  get pid(): number {
    return this.child.pid!;
  }

  /**
   * What to add to a failed wait on this process: whether it still runs, and the end of what it printed (a wait that
   * times out says only that a condition never held; the process's own warnings usually say why).
   */
  diagnosis(lastChars = 4_000): string {
    const { exitCode, signalCode } = this.child;
    const state = exitCode !== null ? `exited with ${exitCode}` : signalCode !== null ? `killed by ${signalCode}` : 'running';
    return `${this.name} (pid ${this.child.pid}) ${state}; its output:\n${this.output.slice(-lastChars)}`;
  }

  /** Sends the signal and waits for the process to exit; resolves with the exit code (null when killed). */
  async stop(signal: NodeJS.Signals = 'SIGTERM', timeoutMs = 30_000): Promise<number | null> {
    if (this.child.exitCode !== null || this.child.signalCode !== null) return this.child.exitCode;
    const exited = new Promise<number | null>((resolve) => this.child.once('exit', (code) => resolve(code)));
    this.child.kill(signal);
    const timer = setTimeout(() => this.child.kill('SIGKILL'), timeoutMs);
    try {
      return await exited;
    } finally {
      clearTimeout(timer);
    }
  }
}

/** The proxy of a describe block (or file), once started: read `url` inside tests. */
export interface BlockProxy {
  readonly app: AppProcess;
  readonly url: string;
}

/**
 * One proxy for the enclosing describe block (or the whole file, called at its top level): started in beforeAll,
 * stopped in afterAll, which also closes the suite's test database connection.
 */
export function useProxy(env: Record<string, string> = {}): BlockProxy {
  let app: AppProcess | undefined;
  beforeAll(async () => {
    app = await AppProcess.start('proxy', env);
  });
  afterAll(async () => {
    await app?.stop();
    await closeTestDb();
  });
  return {
    get app() {
      if (!app) throw new Error('useProxy: the proxy starts in beforeAll; read it inside tests');
      return app;
    },
    get url() {
      return this.app.url;
    },
  };
}
