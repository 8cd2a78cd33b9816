import { expect } from 'chai';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { parseProjectConfig, Session, SoulrecallError, type PlanContext } from '@soulrecall/core';
import type { JsonObject } from '@soulrecall/history-store';
import { readPair } from '../src/services/pair.js';
import { BlueGreenStrategy } from '../src/strategy/blue-green.js';
import { nextCommands } from '../src/strategy/next-commands.js';
import { parseBlueGreenOptions } from '../src/strategy/options.js';
import { describeVerifyFailure, runVerifyCommand } from '../src/strategy/verify-command.js';

const projectText = `
pipeline: [staging, prod]
environments:
  staging: { network: "http://127.0.0.1:9" }
  prod: { network: "http://127.0.0.1:9", aliases: [production] }
agents:
  my-agent: { wasm: agent.wasm, health: { method: health } }
`;
const BLUE = 'rrkah-fqaaa-aaaaa-aaaaq-cai';
const GREEN = 'ryjl3-tyaaa-aaaaa-aaaba-cai';
const OLD_BLUE = 'r7inp-6aaaa-aaaaa-aaabq-cai';
const NETWORK = 'http://127.0.0.1:9';

describe('plugin-blue-green', () => {
  let dataDir: string;
  let session: Session;

  beforeEach(() => {
    dataDir = mkdtempSync(join(tmpdir(), 'soulrecall-'));
    session = new Session({ config: parseProjectConfig(projectText, join(dataDir, 'soulrecall.yaml')), dataDir });
  });
  afterEach(() => {
    session.close();
    rmSync(dataDir, { recursive: true, force: true });
  });

  const record = (canisterId: string, role: 'primary' | 'blue' | 'green') =>
    session.store.canisters.record({ canisterId, networkUrl: NETWORK, environment: 'prod', agent: 'my-agent', role });
  const route = (canisterId: string, expectedCanisterId: string | null) =>
    session.store.routes.set({
      agent: 'my-agent',
      environment: 'prod',
      canisterId,
      cause: 'promotion',
      expectedCanisterId,
    });

  describe('readPair', () => {
    it('treats a live primary canister as blue, with no green yet', () => {
      record(BLUE, 'primary');
      route(BLUE, null);
      const pair = readPair(session, 'my-agent', 'production');
      expect(pair.environment.name).to.equal('prod');
      expect(pair.live?.canisterId).to.equal(BLUE);
      expect(pair.blue?.canisterId).to.equal(BLUE);
      expect(pair.green).to.equal(null);
    });

    it('finds a green beside a live blue, and the blue the route came from once green is live', () => {
      record(OLD_BLUE, 'blue');
      record(BLUE, 'blue');
      route(BLUE, null);
      record(GREEN, 'green');
      let pair = readPair(session, 'my-agent', 'prod');
      expect([pair.blue?.canisterId, pair.green?.canisterId, pair.live?.canisterId]).to.deep.equal([BLUE, GREEN, BLUE]);
      route(GREEN, BLUE);
      pair = readPair(session, 'my-agent', 'prod');
      // The leftover OLD_BLUE is not the partner: the route came from BLUE.
      expect([pair.blue?.canisterId, pair.green?.canisterId, pair.live?.canisterId]).to.deep.equal([
        BLUE,
        GREEN,
        GREEN,
      ]);
    });

    it('rejects an unknown agent or environment', () => {
      expect(() => readPair(session, 'ghost', 'prod'))
        .to.throw(SoulrecallError)
        .with.property('code', 'AGENT_NOT_FOUND');
      expect(() => readPair(session, 'my-agent', 'moon'))
        .to.throw(SoulrecallError)
        .with.property('code', 'ENVIRONMENT_NOT_FOUND');
    });
  });

  describe('options and plan', () => {
    const context = (targetCanisterId: string | null, options: JsonObject) =>
      ({
        session,
        config: session.config!,
        agent: session.config!.agents[0]!,
        from: session.config!.environments[0]!,
        to: session.config!.environments[1]!,
        sourceDeployment: null,
        targetCanisterId,
        options,
        module: {
          sha256: 'ab'.repeat(32),
          size: 8,
          bytes: new Uint8Array(8),
          enhancedOrthogonalPersistence: false,
          origin: 'source-deployment',
        },
      }) satisfies PlanContext;

    it('copies the memories by default: rehearsal while blue serves, then the cut-over', async () => {
      const steps = await new BlueGreenStrategy().plan(context(BLUE, { state: null }));
      expect(steps.map((step) => step.name)).to.deep.equal([
        'create-green',
        'rehearse-copy',
        'rehearse-upgrade',
        'verify-green',
        'stop-blue',
        'final-copy',
        'final-upgrade',
        'final-verify',
        'switch',
        'retire-blue',
      ]);
      expect(steps[1]!.description).to.include('while blue serves');
      expect(steps[4]!.description).to.include('writes pause');
      expect(steps[9]!.description).to.include(`keep blue ${BLUE} stopped`);
      const noSwitch = await new BlueGreenStrategy().plan(context(BLUE, { noSwitch: true }));
      expect(noSwitch[4]!.description).to.match(
        /^skipped \(--no-switch\): `soulrecall config set --routing <green>` does the cut-over later/,
      );
    });

    it('rejects a --state it does not know', () => {
      expect(() => parseBlueGreenOptions({ state: 'empty' }))
        .to.throw(SoulrecallError)
        .with.property('code', 'INVALID_STATE_MODE');
      expect(parseBlueGreenOptions({}).state).to.equal('copy');
    });

    it('plans create, install, verify, switch and retire steps with --state fresh', async () => {
      const steps = await new BlueGreenStrategy().plan(
        context(BLUE, { state: 'fresh', verifyCmd: 'npm run smoke', stopBlue: true }),
      );
      expect(steps.map((step) => step.name)).to.deep.equal([
        'create-green',
        'install-green',
        'verify-green',
        'switch',
        'retire-blue',
      ]);
      expect(steps[2]!.description).to.include('npm run smoke');
      expect(steps[4]!.description).to.include('stop blue');
    });

    it('plans a normal first deployment when the target has no live canister (no --state needed)', async () => {
      const steps = await new BlueGreenStrategy().plan(context(null, {}));
      expect(steps.map((step) => step.name)).to.deep.equal(['create', 'deploy']);
    });

    it('rejects --no-switch with --stop-blue or --decommission', () => {
      expect(() => parseBlueGreenOptions({ noSwitch: true, decommission: true }))
        .to.throw(SoulrecallError)
        .with.property('code', 'FLAGS_CONFLICT');
      expect(() => parseBlueGreenOptions({ noSwitch: true, stopBlue: true }))
        .to.throw(SoulrecallError)
        .with.property('exitCode', 2);
      expect(parseBlueGreenOptions({ state: 'fresh', verifyCmd: '  ' })).to.deep.include({
        state: 'fresh',
        verifyCmd: null,
        noSwitch: false,
      });
    });

    it('prints the guide steps 2-4 with the real ids', () => {
      expect(nextCommands(GREEN, BLUE)).to.deep.equal([
        `soulrecall health ${GREEN}`,
        `soulrecall config set --routing ${GREEN}`,
        `soulrecall delete ${BLUE}`,
      ]);
      // An id recorded in several environments is named with its environment, so it means one canister.
      expect(nextCommands(GREEN, BLUE, { network: (id) => (id === BLUE ? 'prod' : undefined) })).to.deep.equal([
        `soulrecall health ${GREEN}`,
        `soulrecall config set --routing ${GREEN}`,
        `soulrecall delete ${BLUE} --network prod`,
      ]);
    });
  });

  describe('runVerifyCommand', () => {
    const input = {
      greenCanisterId: GREEN,
      blueCanisterId: BLUE,
      networkUrl: NETWORK,
      echo: new PassThrough().resume(),
    };

    it('gives the command the green and blue ids and the network URL, in the given folder', async () => {
      const outcome = await runVerifyCommand({
        ...input,
        cwd: dataDir,
        command:
          'printf "%s %s %s" "$SOULRECALL_GREEN_CANISTER" "$SOULRECALL_BLUE_CANISTER" "$SOULRECALL_NETWORK_URL" > env.txt',
      });
      expect(outcome).to.include({ passed: true, exitCode: 0, timedOut: false });
      expect(readFileSync(join(dataDir, 'env.txt'), 'utf8')).to.equal(`${GREEN} ${BLUE} ${NETWORK}`);
    });

    it('fails on a non-zero exit, keeping the last output for the reason', async () => {
      const outcome = await runVerifyCommand({
        ...input,
        cwd: dataDir,
        command: 'echo checking; echo "recall returned nothing" >&2; exit 3',
      });
      expect(outcome).to.include({ passed: false, exitCode: 3 });
      expect(describeVerifyFailure('smoke', outcome)).to.equal(
        '--verify-cmd "smoke" exited with code 3 (last output: recall returned nothing)',
      );
    });

    it('fails a command that runs past its time limit', async () => {
      const outcome = await runVerifyCommand({ ...input, cwd: dataDir, command: 'sleep 5', timeoutMs: 200 });
      expect(outcome).to.include({ passed: false, timedOut: true });
      expect(describeVerifyFailure('sleep 5', outcome)).to.include('timed out');
    });
  });
});
