import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { expect } from 'chai';
import { DevnetError } from '../src/errors.js';
import {
  networkStatus,
  runNetwork,
  startNetworkInBackground,
  stopNetwork,
  isProcessAlive,
} from '../src/network-control.js';
import { makeTempDir, removeDir } from './support/fixtures.js';

async function errorOf(promise: Promise<unknown>): Promise<DevnetError> {
  try {
    await promise;
  } catch (error) {
    expect(error).to.be.instanceOf(DevnetError);
    return error as DevnetError;
  }
  throw new Error('expected an error');
}

describe('network control (pid files, background networks)', function () {
  this.timeout(120_000);
  let root: string;

  beforeEach(() => {
    root = makeTempDir();
  });

  afterEach(() => removeDir(root));

  it('starts two networks in the background side by side, reports their status and stops them', async () => {
    const dirs = [path.join(root, 'a'), path.join(root, 'b')];
    const infos = await Promise.all(dirs.map((stateDir) => startNetworkInBackground({ port: 0, stateDir })));
    try {
      expect(infos[0]!.port).to.not.equal(infos[1]!.port);
      for (const [index, stateDir] of dirs.entries()) {
        const status = await networkStatus(stateDir, 0);
        expect(status).to.include({
          running: true,
          healthy: true,
          pid: infos[index]!.pid,
          port: infos[index]!.port,
          url: infos[index]!.url,
        });
        expect(fs.readFileSync(path.join(stateDir, 'devnet.pid'), 'utf8').trim()).to.equal(String(infos[index]!.pid));
      }
      const again = await errorOf(startNetworkInBackground({ port: 0, stateDir: dirs[0]! }));
      expect(again.code).to.equal('ALREADY_RUNNING');
    } finally {
      for (const stateDir of dirs) await stopNetwork(stateDir).catch(() => undefined);
    }
    for (const [index, stateDir] of dirs.entries()) {
      expect(isProcessAlive(infos[index]!.pid)).to.equal(false);
      expect((await networkStatus(stateDir, 0)).running).to.equal(false);
      expect(fs.existsSync(path.join(stateDir, 'devnet.pid'))).to.equal(false);
    }
    expect((await errorOf(stopNetwork(dirs[0]!))).code).to.equal('NOT_RUNNING');
  });

  it('refuses a port that is already in use, in the background and in the foreground', async () => {
    const blocker = net.createServer();
    await new Promise<void>((resolve) => blocker.listen(0, '127.0.0.1', resolve));
    const port = (blocker.address() as net.AddressInfo).port;
    try {
      const background = await errorOf(startNetworkInBackground({ port, stateDir: path.join(root, 'bg') }));
      expect(background.code).to.equal('PORT_IN_USE');
      expect(background.hint).to.be.a('string');
      const foreground = await errorOf(runNetwork({ port, stateDir: path.join(root, 'fg') }));
      expect(foreground.code).to.equal('PORT_IN_USE');
    } finally {
      blocker.close();
    }
  });

  it('reports and clears a stale pid file left by a process that is gone', async () => {
    const stateDir = path.join(root, 'stale');
    fs.mkdirSync(stateDir);
    const dead = spawnSync(process.execPath, ['-e', 'process.stdout.write(String(process.pid))'], { encoding: 'utf8' });
    fs.writeFileSync(path.join(stateDir, 'devnet.pid'), dead.stdout);
    const status = await networkStatus(stateDir, 4943);
    expect(status).to.include({ running: false, stalePidFile: true });
    const error = await errorOf(stopNetwork(stateDir));
    expect(error.code).to.equal('STALE_PID_FILE');
    expect(fs.existsSync(path.join(stateDir, 'devnet.pid'))).to.equal(false);
  });

  it('refuses a state directory it cannot write', async () => {
    const file = path.join(root, 'a-file');
    fs.writeFileSync(file, '');
    const stateDir = path.join(file, 'state');
    expect((await errorOf(runNetwork({ port: 0, stateDir }))).code).to.equal('STATE_DIR_UNWRITABLE');
    expect((await errorOf(startNetworkInBackground({ port: 0, stateDir }))).code).to.equal('STATE_DIR_UNWRITABLE');
  });

  it('runs a network in the foreground with pid files, and --clean starts afresh', async () => {
    const stateDir = path.join(root, 'fg');
    const first = await runNetwork({ port: 0, stateDir });
    const rootKey = first.devnet.rootKey;
    expect(JSON.parse(fs.readFileSync(path.join(stateDir, 'devnet.json'), 'utf8'))).to.include({
      pid: process.pid,
      port: first.devnet.port,
    });
    await first.stop();
    expect(fs.existsSync(path.join(stateDir, 'devnet.json'))).to.equal(false);
    const kept = await runNetwork({ port: 0, stateDir });
    expect(Buffer.from(kept.devnet.rootKey).equals(Buffer.from(rootKey))).to.equal(true);
    await kept.stop();
    const clean = await runNetwork({ port: 0, stateDir, clean: true });
    expect(Buffer.from(clean.devnet.rootKey).equals(Buffer.from(rootKey))).to.equal(false);
    await clean.stop();
  });
});
