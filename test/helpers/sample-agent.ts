/**
 * The sample agent (examples/agent): its built modules, its interface and the tool canister it
 * consults. Kept apart from project.ts, which loads the CLI's packages, so a benchmark of the
 * devnet (bench/devnet) can call the sample agent without them.
 */
import type { IDL } from '@dfinity/candid';
import type { Principal } from '@dfinity/principal';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const examplesDist = fileURLToPath(new URL('../../examples/agent/dist/', import.meta.url));

/** The sample agent's modules (examples/agent/README.md). */
const agentModule = (name: string) => join(examplesDist, `agent-${name}.wasm`);
export const agentWasm = {
  v1: agentModule('v1'),
  v2: agentModule('v2'),
  v3: agentModule('v3'),
  broken: agentModule('broken'),
  migrationTrap: agentModule('migration-trap'),
};
/** The tool canister the sample agent consults (examples/agent/src/tool.mo). */
export const toolWasm = join(examplesDist, 'tool.wasm');

export interface AgentActor {
  remember(text: string): Promise<bigint>;
  memoryCount(): Promise<bigint>;
  recall(): Promise<string[]>;
  version(): Promise<string>;
  stats(): Promise<{ calls: bigint; upgrades: bigint }>;
  setTool(tool: Principal): Promise<void>;
  tool(): Promise<[] | [Principal]>;
  reflect(): Promise<string>;
  timerTicks(): Promise<bigint>;
}

export interface ToolActor {
  summarise(memories: string[]): Promise<string>;
  served(): Promise<bigint>;
}

/** The sample agent's interface (examples/agent/README.md); also used by bench/devnet. */
export const agentIdl: IDL.InterfaceFactory = ({ IDL: I }) =>
  I.Service({
    remember: I.Func([I.Text], [I.Nat], []),
    recall: I.Func([], [I.Vec(I.Text)], ['query']),
    memoryCount: I.Func([], [I.Nat], ['query']),
    version: I.Func([], [I.Text], ['query']),
    stats: I.Func([], [I.Record({ calls: I.Nat, upgrades: I.Nat })], ['query']),
    setTool: I.Func([I.Principal], [], []),
    tool: I.Func([], [I.Opt(I.Principal)], ['query']),
    reflect: I.Func([], [I.Text], []),
    timerTicks: I.Func([], [I.Nat], ['query']),
  });

export const toolIdl: IDL.InterfaceFactory = ({ IDL: I }) =>
  I.Service({
    summarise: I.Func([I.Vec(I.Text)], [I.Text], []),
    served: I.Func([], [I.Nat], ['query']),
  });
