import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { AgentActor, TestProject } from './project.js';

/**
 * A client of the sample agent as an application would be: before every call it reads the live
 * canister from canister_ids.json, and it retries a call the network refused (the agent is
 * stopped during a cut-over's write pause). It records every write the agent acknowledged.
 */
export class MemoryWriter {
  readonly acknowledged: string[] = [];
  readonly refused: string[] = [];
  private running = false;
  private loops: Promise<void>[] = [];
  private readonly actors = new Map<string, AgentActor>();
  private next = 0;

  constructor(
    private readonly project: TestProject,
    private readonly agent: string,
    private readonly environment: string,
    private readonly prefix = 'write',
  ) {}

  liveCanister(): string {
    return JSON.parse(readFileSync(join(this.project.dir, 'canister_ids.json'), 'utf8'))[this.agent][this.environment];
  }

  /** Starts `parallel` writing loops; they run until stop(). */
  start(parallel = 2): void {
    this.running = true;
    this.loops = Array.from({ length: parallel }, () => this.loop());
  }

  async stop(): Promise<void> {
    this.running = false;
    await Promise.all(this.loops);
  }

  /** Resolves once at least `count` writes were acknowledged. */
  async waitFor(count: number, timeoutMs = 120_000): Promise<void> {
    const started = Date.now();
    while (this.acknowledged.length < count) {
      if (Date.now() - started > timeoutMs)
        throw new Error(`only ${this.acknowledged.length} of ${count} writes acknowledged after ${timeoutMs} ms`);
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
  }

  private async loop(): Promise<void> {
    while (this.running) {
      const memory = `${this.prefix}-${this.next++}`;
      // One memory is retried until acknowledged, as an application retries a refused request.
      while (this.running) {
        const canisterId = this.liveCanister();
        try {
          await (await this.actor(canisterId)).remember(memory);
          this.acknowledged.push(memory);
          break;
        } catch (error) {
          this.refused.push(`${canisterId}: ${error instanceof Error ? error.message.split('\n')[0] : String(error)}`);
          await new Promise((resolve) => setTimeout(resolve, 10));
        }
      }
    }
  }

  private async actor(canisterId: string): Promise<AgentActor> {
    let actor = this.actors.get(canisterId);
    if (!actor) {
      actor = await this.project.agent(this.environment, canisterId);
      this.actors.set(canisterId, actor);
    }
    return actor;
  }
}
