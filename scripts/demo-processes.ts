import { ChildProcess, spawn } from 'node:child_process';

export interface DemoService {
  name: string;
  command: string;
  args: string[];
  /** Answers 2xx once the service is up. */
  healthUrl: string;
}

/** How long one health probe may take: a port held by something that accepts and never answers must not hang us. */
const PROBE_TIMEOUT_MS = 2_000;

/** Resolves once `url` answers 2xx; rejects as soon as the child exits, or after `timeoutMs`. */
export async function waitForHealth(url: string, child: ChildProcess, timeoutMs = 30_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) throw new Error(`${url}: process exited with code ${child.exitCode}`);
    try {
      const response = await fetch(url, { signal: AbortSignal.timeout(PROBE_TIMEOUT_MS) });
      if (response.ok) return;
    } catch {
      // not listening (or not answering) yet
    }
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
  throw new Error(`${url} did not become healthy within ${timeoutMs} ms`);
}

/**
 * The child processes of `npm run demo` / `npm run dev`: started in order, each awaited until it answers, and stopped
 * together (Ctrl-C, or a service that fails to start).
 */
export class DemoProcesses {
  private readonly children: ChildProcess[] = [];
  private stopping = false;

  constructor(
    private readonly options: {
      cwd: string;
      env: NodeJS.ProcessEnv;
      /** Called when every child has exited on its own (not through stop()). */
      onAllExited?: () => void;
    },
  ) {}

  run(name: string, command: string, args: string[], output: 'inherit' | 'pipe' = 'inherit'): ChildProcess {
    const child = spawn(command, args, { cwd: this.options.cwd, env: this.options.env, stdio: ['ignore', output, output] });
    this.children.push(child);
    child.on('exit', (code, signal) => {
      // SIGTERM drains and exits 0 (docs/operations.md); anything else is worth saying.
      if (code !== 0 && signal !== 'SIGTERM') console.error(`${name} exited (${code ?? signal})`);
      if (!this.stopping && this.children.every(exited)) this.options.onAllExited?.();
    });
    return child;
  }

  /**
   * Starts each service once the one before it answers. If one fails, those already started are stopped before the
   * error is thrown: left running, they would hold the demo's ports against the next attempt.
   */
  async startInOrder(services: DemoService[], onStart: (service: DemoService) => void = () => {}): Promise<void> {
    try {
      for (const service of services) {
        onStart(service);
        await waitForHealth(service.healthUrl, this.run(service.name, service.command, service.args));
      }
    } catch (error) {
      await this.stop();
      throw error;
    }
  }

  /** SIGTERM to every child still running; resolves once all have exited. */
  async stop(): Promise<void> {
    this.stopping = true;
    await Promise.all(
      this.children
        .filter((child) => !exited(child))
        .map((child) => {
          const gone = new Promise<void>((resolve) => child.once('exit', () => resolve()));
          child.kill('SIGTERM');
          return gone;
        }),
    );
  }
}

function exited(child: ChildProcess): boolean {
  return child.exitCode !== null || child.signalCode !== null;
}
