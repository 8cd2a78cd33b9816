import { Actor, HttpAgent } from '@dfinity/agent';
import type { IDL } from '@dfinity/candid';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Devnet } from '@soulrecall/devnet';
import type { CliSandbox, CliResult } from '../helpers/cli.js';

import { agentWasm } from '../helpers/project.js';

export const wasm = agentWasm;

/** A project folder whose environments point at devnets; `staging` is protected. */
export function writeProject(sandbox: CliSandbox, name: string, urls: { local: string; staging?: string }): string {
  const dir = join(sandbox.home, name);
  mkdirSync(dir, { recursive: true });
  const staging = urls.staging ? `  staging: { network: "${urls.staging}", protected: true }\n` : '';
  writeFileSync(
    join(dir, 'soulrecall.yaml'),
    `pipeline: [local${urls.staging ? ', staging' : ''}]
environments:
  local: { network: "${urls.local}", aliases: [dev] }
${staging}agents:
  my-agent: { wasm: ${JSON.stringify(wasm.v1)}, health: { method: health } }
  plain-agent: { wasm: ${JSON.stringify(wasm.v1)} }
`,
  );
  return dir;
}

/** Runs the binary with --json and parses stdout (the result, or {error}). */
export async function runJson(
  sandbox: CliSandbox,
  cwd: string,
  args: string[],
  input?: string,
): Promise<CliResult & { json: any }> {
  const result = await sandbox.run([...args, '--json'], { cwd, input });
  let json: unknown;
  try {
    json = JSON.parse(result.stdout);
  } catch {
    throw new Error(
      `not JSON on stdout for ${args.join(' ')} (exit ${result.exitCode}):\n${result.stdout}\n${result.stderr}`,
    );
  }
  return { ...result, json };
}

const agentIdl: IDL.InterfaceFactory = ({ IDL: I }) =>
  I.Service({
    remember: I.Func([I.Text], [I.Nat], []),
    recall: I.Func([], [I.Vec(I.Text)], ['query']),
    version: I.Func([], [I.Text], ['query']),
  });

interface AgentActor {
  remember(text: string): Promise<bigint>;
  recall(): Promise<string[]>;
  version(): Promise<string>;
}

/** Talks to the sample agent like a user would (root key fetched, verification on). */
export async function agentActor(devnet: Devnet, canisterId: string): Promise<AgentActor> {
  const agent = await HttpAgent.create({ host: devnet.url, shouldFetchRootKey: true });
  return Actor.createActor<AgentActor>(agentIdl, { agent, canisterId });
}
