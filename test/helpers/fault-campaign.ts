/**
 * A seeded fault-injection campaign: promotions (in-place and blue-green with state copy)
 * killed at random instants with SIGKILL, SIGTERM or SIGINT — or their target network killed
 * with SIGKILL and restarted — then resumed or aborted, and every invariant of the README's
 * "Interruptions" section checked against the store, canister_ids.json and the network itself.
 * The same seed replays the same trials (delays, signals, strategies, resume or abort).
 */
import { Actor, HttpAgent } from '@dfinity/agent';
import type { IDL } from '@dfinity/candid';
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CanisterClient, IdentityStore } from '@soulrecall/canister-client';
import { isProcessAlive, startNetworkInBackground, stopNetwork, type NetworkRuntimeInfo } from '@soulrecall/devnet';
import { binPath, CliSandbox, type CliResult } from './cli.js';
import { freePort } from './ports.js';
import { agentWasm } from './project.js';

export interface CampaignOptions {
  seed: number;
  trials: number;
  /** Latest kill instant after the start of a promotion (ms), per strategy: about how long one takes here. */
  maxDelayMs?: { 'in-place': number; 'blue-green': number };
  /** Share of trials that kill the target network instead of the promotion (0..1). */
  networkKills?: number;
  log?: (line: string) => void;
}

export interface TrialRecord {
  trial: number;
  strategy: 'in-place' | 'blue-green';
  fault: string;
  delayMs: number;
  promotionStatus: string | null;
  action: 'resume' | 'abort' | 'none';
  ok: boolean;
  violations: string[];
}

export interface CampaignResult {
  seed: number;
  trials: TrialRecord[];
  violations: number;
  /** How each trial ended, e.g. `SIGKILL/running/resume`. */
  outcomes: Record<string, number>;
}

/** mulberry32: a tiny seeded PRNG, so a failing seed can be replayed. */
export function prng(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const agentIdl: IDL.InterfaceFactory = ({ IDL: I }) =>
  I.Service({
    remember: I.Func([I.Text], [I.Nat], []),
    recall: I.Func([], [I.Vec(I.Text)], ['query']),
    version: I.Func([], [I.Text], ['query']),
  });

export interface Network {
  env: string;
  port: number;
  stateDir: string;
  url: string;
  info: NetworkRuntimeInfo;
}

/** The canisters a network holds, read from its own registry (the devnet writes it before every reply). */
function canistersOn(network: Network): Array<{ id: string; controllers: string[] }> {
  const registry = JSON.parse(readFileSync(join(network.stateDir, 'canisters.json'), 'utf8')) as {
    canisters: Array<{ id: { $p: string }; controllers: Array<{ $p: string }> }>;
  };
  return registry.canisters.map((canister) => ({
    id: canister.id.$p,
    controllers: canister.controllers.map((controller) => controller.$p),
  }));
}

export class FaultCampaign {
  readonly sandbox = new CliSandbox();
  readonly dir = join(this.sandbox.home, 'project');
  private readonly networks: Network[] = [];
  private readonly written: string[] = [];
  private principal = '';

  async setUp(): Promise<void> {
    mkdirSync(this.dir, { recursive: true });
    for (const env of ['staging', 'production']) {
      const port = await freePort();
      const stateDir = mkdtempSync(join(tmpdir(), `soulrecall-fault-${env}-`));
      const info = await startNetworkInBackground({ port, host: '127.0.0.1', stateDir });
      this.networks.push({ env, port, stateDir, url: info.url, info });
    }
    const [staging, production] = this.networks as [Network, Network];
    writeFileSync(
      join(this.dir, 'soulrecall.yaml'),
      `pipeline: [staging, production]\nenvironments:\n  staging: { network: "${staging.url}" }\n  production: { network: "${production.url}" }\nagents:\n  my-agent: { wasm: ${JSON.stringify(agentWasm.v1)}, health: { method: health } }\n`,
    );
    await this.ok(['deploy', 'my-agent', '-e', 'staging', '--yes']);
    await this.ok(['promote', 'my-agent', '--from', 'staging', '--to', 'production']);
    this.principal = String(new IdentityStore({ dataDir: this.sandbox.home }).resolve().principal);
    await this.remember('before any trial');
  }

  async tearDown(): Promise<void> {
    for (const network of this.networks) {
      try {
        await stopNetwork(network.stateDir);
      } catch {
        if (isProcessAlive(network.info.pid)) process.kill(network.info.pid, 'SIGKILL');
      }
      rmSync(network.stateDir, { recursive: true, force: true });
    }
    this.sandbox.cleanup();
  }

  run(args: string[], env: NodeJS.ProcessEnv = {}): Promise<CliResult> {
    return this.sandbox.run(args, { cwd: this.dir, env });
  }

  async ok(args: string[]): Promise<CliResult> {
    const result = await this.run(args);
    if (result.exitCode !== 0)
      throw new Error(`soulrecall ${args.join(' ')} exited ${result.exitCode}: ${result.stderr}`);
    return result;
  }

  production(): Network {
    return this.networks[1]!;
  }

  live(): string | undefined {
    const file = join(this.dir, 'canister_ids.json');
    return existsSync(file)
      ? (JSON.parse(readFileSync(file, 'utf8')) as Record<string, Record<string, string>>)['my-agent']?.production
      : undefined;
  }

  async actor(canisterId: string) {
    const agent = await HttpAgent.create({ host: this.production().url, shouldFetchRootKey: true });
    return Actor.createActor<{
      remember(text: string): Promise<bigint>;
      recall(): Promise<string[]>;
      version(): Promise<string>;
    }>(agentIdl, { agent, canisterId });
  }

  async remember(text: string): Promise<void> {
    await (await this.actor(this.live()!)).remember(text);
    this.written.push(text);
  }

  /** Waits for the killed production network to be gone and starts it again on its state directory. */
  async restartProduction(): Promise<void> {
    const network = this.production();
    for (let tries = 0; isProcessAlive(network.info.pid); tries++) {
      if (tries > 400) throw new Error(`network ${network.info.pid} did not die`);
      await new Promise((resolve) => setTimeout(resolve, 25));
    }
    network.info = await startNetworkInBackground({
      port: network.port,
      host: '127.0.0.1',
      stateDir: network.stateDir,
    });
  }

  /** Every invariant of the README's "Interruptions" section; returns what does not hold. */
  async violations(promotionId: string | null): Promise<string[]> {
    const problems: string[] = [];
    const store = this.sandbox.openStore(this.dir);
    try {
      if (promotionId) {
        const promotion = store.promotions.require(promotionId);
        const terminal =
          ['succeeded', 'aborted', 'rolled-back'].includes(promotion.status) ||
          (promotion.status === 'failed' && promotion.options.failedVerdict === true);
        if (!terminal) problems.push(`promotion ${promotionId} is ${promotion.status}`);
        const running = promotion.steps.filter((step) => step.status === 'running').map((step) => step.name);
        if (running.length > 0) problems.push(`steps still running: ${running.join(', ')}`);
      }
      const pending = store.deployments.list({ status: 'pending', limit: 100 });
      if (pending.length > 0)
        problems.push(
          `deployments pending: ${pending.map((d) => `${d.id} (v${d.version} on ${d.canisterId})`).join(', ')}`,
        );
      if (store.locks.list().length > 0)
        problems.push(
          `locks held: ${store.locks
            .list()
            .map((lease) => `${lease.agent}/${lease.environment} by ${lease.operationId}`)
            .join(', ')}`,
        );
      const route = store.routes.get('my-agent', 'production')?.canisterId;
      if (route !== this.live())
        problems.push(`route ${route ?? 'none'} in the store, ${this.live() ?? 'none'} in canister_ids.json`);
      for (const network of this.networks) {
        const ours = canistersOn(network)
          .filter((canister) => canister.controllers.includes(this.principal))
          .map((canister) => canister.id);
        const recorded = store.canisters.list({ environment: network.env }).map((canister) => canister.canisterId);
        const untracked = ours.filter((id) => !recorded.includes(id));
        const missing = recorded.filter((id) => !ours.includes(id));
        if (untracked.length > 0) problems.push(`untracked canisters on ${network.env}: ${untracked.join(', ')}`);
        if (missing.length > 0) problems.push(`recorded canisters missing from ${network.env}: ${missing.join(', ')}`);
      }
    } finally {
      store.close();
    }
    const live = this.live();
    if (!live) return [...problems, 'no live canister'];
    const client = await CanisterClient.connect(
      { name: 'production', url: this.production().url, kind: 'url' },
      new IdentityStore({ dataDir: this.sandbox.home }).resolve(),
    );
    const status = (await client.status(live)).status;
    if (status !== 'running') problems.push(`the live canister ${live} is ${status}`);
    else {
      const memories = await (await this.actor(live)).recall();
      const lost = this.written.filter((memory) => !memories.includes(memory));
      if (lost.length > 0) problems.push(`memories lost: ${lost.join(', ')}`);
    }
    return problems;
  }

  async runCampaign(options: CampaignOptions): Promise<CampaignResult> {
    const random = prng(options.seed);
    const maxDelay = options.maxDelayMs ?? { 'in-place': 2_000, 'blue-green': 4_500 };
    const records: TrialRecord[] = [];
    const outcomes: Record<string, number> = {};
    for (let trial = 0; trial < options.trials; trial++) {
      const strategy: TrialRecord['strategy'] = random() < 0.5 ? 'in-place' : 'blue-green';
      const killNetwork = random() < (options.networkKills ?? 0.15);
      const signal = (['SIGKILL', 'SIGTERM', 'SIGINT'] as const)[Math.floor(random() * 3)]!;
      const delayMs = Math.floor(random() * maxDelay[strategy]);
      const preferResume = random() < 0.5;
      const version = await (await this.actor(this.live()!)).version();
      const module = version === '2.0.0' ? agentWasm.v3 : agentWasm.v2;
      const before = this.lastPromotionId();
      const args = [
        'promote',
        'my-agent',
        '--from',
        'staging',
        '--to',
        'production',
        '-w',
        module,
        '--yes',
        ...(strategy === 'blue-green' ? ['--blue-green'] : []),
      ];
      const child = spawn(process.execPath, [binPath, ...args], {
        cwd: this.dir,
        env: this.sandbox.env(),
        stdio: 'ignore',
      });
      const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
      await new Promise((resolve) => setTimeout(resolve, delayMs));
      const fault = killNetwork ? 'network SIGKILL' : signal;
      if (killNetwork) process.kill(this.production().info.pid, 'SIGKILL');
      else child.kill(signal);
      await exited;
      if (killNetwork) await this.restartProduction();
      const latest = this.lastPromotionId();
      const promotionId = latest !== before ? latest : null;
      let action: TrialRecord['action'] = 'none';
      let status = promotionId ? this.statusOf(promotionId) : null;
      const actionProblems: string[] = [];
      if (
        promotionId &&
        (status === 'running' || status === 'failed' || status === 'planned') &&
        !this.failedVerdict(promotionId)
      ) {
        action = preferResume ? 'resume' : 'abort';
        const result = await this.run(['promote', action, promotionId]);
        if (result.exitCode !== 0)
          actionProblems.push(
            `promote ${action} exited ${result.exitCode}: ${result.stderr
              .split('\n')
              .filter((line) => /^(Error|Hint):/.test(line))
              .join(' ')}`,
          );
        status = this.statusOf(promotionId);
      }
      const violations = [...actionProblems, ...(await this.violations(promotionId))];
      const record: TrialRecord = {
        trial,
        strategy,
        fault,
        delayMs,
        promotionStatus: status,
        action,
        ok: violations.length === 0,
        violations,
      };
      records.push(record);
      const key = `${strategy}/${fault}/${status ?? 'not started'}/${action}`;
      outcomes[key] = (outcomes[key] ?? 0) + 1;
      options.log?.(
        `trial ${trial}: ${key} after ${delayMs} ms${violations.length ? ` — ${violations.join('; ')}` : ''}`,
      );
      if (violations.length > 0) break; // later trials would start from a broken state
      await this.remember(`after trial ${trial}`);
    }
    return { seed: options.seed, trials: records, violations: records.filter((record) => !record.ok).length, outcomes };
  }

  lastPromotionId(): string | null {
    const store = this.sandbox.openStore(this.dir);
    try {
      return store.promotions.list({ agent: 'my-agent', limit: 1 })[0]?.id ?? null;
    } finally {
      store.close();
    }
  }

  private statusOf(promotionId: string): string {
    const store = this.sandbox.openStore(this.dir);
    try {
      return store.promotions.require(promotionId).status;
    } finally {
      store.close();
    }
  }

  private failedVerdict(promotionId: string): boolean {
    const store = this.sandbox.openStore(this.dir);
    try {
      return store.promotions.require(promotionId).options.failedVerdict === true;
    } finally {
      store.close();
    }
  }
}
