import type { FaultConfig, SimulatorStats } from '../../../src/sim/simulator';
import { CliChild } from './cliProcess';

/** A `gpt-batch sim` child process, which outlives the CLI runs pointed at it, and its control routes. */
export class SimChild {
  private constructor(
    private readonly child: CliChild,
    /** `http://127.0.0.1:<port>/v1` */
    readonly baseUrl: string,
  ) {}

  /** Starts `gpt-batch sim --port 0 --state_dir <stateDir> [flags]` and waits until it listens. */
  static async start(stateDir: string, flags: string[] = []): Promise<SimChild> {
    const child = new CliChild(['sim', '--port', '0', '--state_dir', stateDir, ...flags]);
    try {
      const match = await child.waitFor(/listening on (http:\/\/127\.0\.0\.1:\d+\/v1)/);
      return new SimChild(child, match[1] as string);
    } catch (error) {
      child.killIfRunning();
      throw error;
    }
  }

  /** The CLI flags that point a task run at this simulator. */
  get clientArgs(): string[] {
    return ['--client_base_url', this.baseUrl, '--openai_api_key', 'sim', '--no_wandb'];
  }

  private get controlUrl(): string {
    return this.baseUrl.replace(/\/v1$/, '/__sim');
  }

  private async control<T>(method: 'GET' | 'POST', route: string, body?: unknown): Promise<T> {
    const response = await fetch(`${this.controlUrl}/${route}`, {
      method,
      ...(body === undefined ? {} : { body: JSON.stringify(body), headers: { 'content-type': 'application/json' } }),
    });
    if (!response.ok) throw new Error(`simulator ${method} /__sim/${route}: ${response.status} ${await response.text()}`);
    return (await response.json()) as T;
  }

  /** What the simulator received since it started or since `resetStats`. */
  stats(): Promise<SimulatorStats> {
    return this.control('GET', 'stats');
  }

  async resetStats(): Promise<void> {
    await this.control('POST', 'reset');
  }

  async setFaults(faults: Partial<FaultConfig>): Promise<void> {
    await this.control('POST', 'faults', faults);
  }

  /** Stops the simulator with SIGINT and waits for it to exit. */
  async stop(): Promise<void> {
    this.child.process.kill('SIGINT');
    await this.child.exited;
  }
}

/** The number of API calls in stats that are not under the `/__sim` control routes. */
export function apiCallCount(stats: SimulatorStats): number {
  return Object.values(stats.routes).reduce((sum, count) => sum + count, 0);
}
