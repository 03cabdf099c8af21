import { ChildProcess, spawn } from 'node:child_process';

export interface ChildAppOptions {
  name: string;
  /** Arguments to `node` (script path first, or flags then the script). */
  args: string[];
  env: NodeJS.ProcessEnv;
  /** Resolves the app's base URL from its output so far, or null while it is not ready. */
  ready: (output: string) => string | null | Promise<string | null>;
  timeoutMs?: number;
}

const OUTPUT_LIMIT = 64 * 1024;

/**
 * One server the benchmark runs as its own process (the mock upstream, every target): started, waited for, and
 * stopped by its pid only. Output is kept (bounded) for error messages.
 */
export class ChildApp {
  private output = '';
  url = '';

  private constructor(
    readonly name: string,
    readonly child: ChildProcess,
  ) {
    const keep = (chunk: Buffer) => {
      this.output = (this.output + chunk.toString()).slice(-OUTPUT_LIMIT);
    };
    child.stdout!.on('data', keep);
    child.stderr!.on('data', keep);
  }

  static async start(options: ChildAppOptions): Promise<ChildApp> {
    const child = spawn(process.execPath, options.args, {
      env: options.env,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const app = new ChildApp(options.name, child);
    const deadline = Date.now() + (options.timeoutMs ?? 60_000);
    try {
      for (;;) {
        if (child.exitCode !== null || child.signalCode !== null) {
          throw new Error(`${options.name} exited (${child.exitCode ?? child.signalCode}) before it was ready:\n${app.output}`);
        }
        const url = await options.ready(app.output);
        if (url) {
          app.url = url;
          return app;
        }
        if (Date.now() > deadline) throw new Error(`${options.name} was not ready in time:\n${app.output}`);
        await new Promise((resolve) => setTimeout(resolve, 50));
      }
    } catch (error) {
      await app.stop();
      throw error;
    }
  }

  get logs(): string {
    return this.output;
  }

  get running(): boolean {
    return this.child.exitCode === null && this.child.signalCode === null;
  }

  /** SIGTERM (graceful: the proxy drains its settlements), SIGKILL if it has not exited within the timeout. */
  async stop(timeoutMs = 30_000): Promise<void> {
    if (!this.running) return;
    const exited = new Promise<void>((resolve) => this.child.once('exit', () => resolve()));
    this.child.kill('SIGTERM');
    const timer = setTimeout(() => this.child.kill('SIGKILL'), timeoutMs);
    try {
      await exited;
    } finally {
      clearTimeout(timer);
    }
  }
}

/** Readiness from the "<app> listening on http://host:port" line every app of ours prints. */
export function listeningLine(output: string): string | null {
  const match = /listening on (http:\/\/\S+)/.exec(output);
  return match ? match[1].replace('0.0.0.0', '127.0.0.1').replace(/\/$/, '') : null;
}
