import { expect } from 'chai';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Principal } from '@dfinity/principal';
import { CliSandbox } from '../helpers/cli.js';
import { DevnetPool } from '../helpers/devnet.js';
import { agentWasm, createProject, toolWasm, type AgentActor, type TestProject } from '../helpers/project.js';

/**
 * The sample agent's second canister: a tool it is pointed at with `setTool` (controllers only),
 * deployed by soulrecall as a second agent of the project. The tool setting is agent state: it
 * must survive every path soulrecall changes code by (in-place promotion, blue-green, rollback).
 */
describe('soulrecall binary: the sample agent and its tool canister', function () {
  this.timeout(300_000);
  const pool = new DevnetPool();
  const sandbox = new CliSandbox();
  let project: TestProject;

  const ok = (result: { exitCode: number; stdout: string; stderr: string }) =>
    expect(result.exitCode, `${result.stdout}\n${result.stderr}`).to.equal(0);
  const routed = (agent: string, environment: string): string =>
    JSON.parse(readFileSync(join(project.dir, 'canister_ids.json'), 'utf8'))[agent][environment];
  const toolOf = async (actor: AgentActor) => (await actor.tool()).map((principal) => principal.toText());

  before(async () => {
    project = await createProject(sandbox, pool, {
      protectedStages: [],
      extraAgents: { 'my-tool': `{ wasm: ${JSON.stringify(toolWasm)} }` },
    });
  });
  after(async () => {
    await pool.stopAll();
    sandbox.cleanup();
  });

  describe('refusals by the agent', () => {
    let agentId: string;
    before(async () => {
      agentId = (await project.deploy('my-agent', 'local')).canisterId;
    });

    const refusals: Array<{ what: string; call: (anonymous: AgentActor) => Promise<unknown>; says: RegExp }> = [
      {
        what: 'setTool from a caller that is not a controller',
        call: (anonymous) => anonymous.setTool(Principal.fromText('aaaaa-aa')),
        says: /only a controller of the agent may set its tool; 2vxsx-fae is not one/,
      },
      {
        what: 'reflect before a tool is set',
        call: (anonymous) => anonymous.reflect(),
        says: /the agent has no tool yet: a controller calls setTool\(<tool canister id>\) first/,
      },
    ];
    for (const refusal of refusals) {
      it(`${refusal.what} is rejected with one sentence and changes nothing`, async () => {
        const anonymous = await project.agent('local', agentId);
        let rejection: unknown;
        await refusal.call(anonymous).catch((error: unknown) => (rejection = error));
        expect(String(rejection)).to.match(refusal.says);
        expect(await anonymous.tool()).to.deep.equal([]);
      });
    }
  });

  it('the tool set by a controller is kept through in-place promotion, blue-green with memories, and rollback', async () => {
    const toolId = (await project.deploy('my-tool', 'production')).canisterId;
    ok(await project.run(['deploy', 'my-agent', '-e', 'local', '--yes']));
    ok(await project.run(['promote', 'my-agent', '--from', 'local', '--to', 'staging']));
    ok(await project.run(['promote', 'my-agent', '--from', 'staging', '--to', 'production']));
    const blue = routed('my-agent', 'production');
    await (await project.agent('production', blue, { asController: true })).setTool(Principal.fromText(toolId));
    const anonymous = await project.agent('production', blue);
    await anonymous.remember('likes tea');
    expect(await toolOf(anonymous)).to.deep.equal([toolId]);

    ok(await project.run(['deploy', 'my-agent', '-e', 'local', '-w', agentWasm.v2, '--yes']));
    ok(await project.run(['promote', 'my-agent', '--from', 'local', '--to', 'staging']));
    ok(await project.run(['promote', 'my-agent', '--from', 'staging', '--to', 'production']));
    expect(routed('my-agent', 'production'), 'in place').to.equal(blue);
    expect(await anonymous.version()).to.equal('2.0.0');
    expect(await toolOf(anonymous), 'after the in-place upgrade').to.deep.equal([toolId]);

    ok(await project.run(['deploy', 'my-agent', '-e', 'local', '-w', agentWasm.v3, '--yes']));
    ok(await project.run(['promote', 'my-agent', '--from', 'local', '--to', 'staging']));
    ok(await project.run(['promote', 'my-agent', '--from', 'staging', '--to', 'production', '--blue-green']));
    const green = routed('my-agent', 'production');
    expect(green).to.not.equal(blue);
    const greenActor = await project.agent('production', green);
    expect(await greenActor.version()).to.equal('3.0.0');
    expect(await greenActor.recall()).to.deep.equal(['likes tea']);
    expect(await toolOf(greenActor), 'green got the tool with the memories').to.deep.equal([toolId]);

    ok(await project.run(['rollback', green, '--yes']));
    expect(routed('my-agent', 'production')).to.equal(blue);
    expect(await anonymous.version()).to.equal('2.0.0');
    expect(await toolOf(anonymous), 'after the rollback').to.deep.equal([toolId]);
  });
});
