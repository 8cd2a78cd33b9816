import { expect } from 'chai';
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import { join } from 'node:path';
import { isProcessAlive, NETWORK_INFO_PATH } from '@soulrecall/devnet';
import { binPath, CliSandbox, STACK_TRACE, type CliResult } from '../helpers/cli.js';
import { DevnetPool } from '../helpers/devnet.js';
import { freePort } from '../helpers/ports.js';

/**
 * Issue 16, item 6: `network status|stop --port P` find the network running on P whatever its
 * state directory (the network names its own when asked at NETWORK_INFO_PATH, confirmed by that
 * directory's runtime file), for background and foreground networks alike.
 */
describe('soulrecall binary: network start, status and stop by port', function () {
  this.timeout(180_000);
  const sandbox = new CliSandbox();
  const pool = new DevnetPool();
  const started: number[] = [];
  const children: ChildProcess[] = [];

  const run = (args: string[]) => sandbox.run(args);
  const jsonOf = (result: CliResult, exitCode: number) => {
    expect(result.exitCode, `exit ${result.exitCode}\nstdout: ${result.stdout}\nstderr: ${result.stderr}`).to.equal(
      exitCode,
    );
    return JSON.parse(result.stdout);
  };

  after(async () => {
    // A failed assertion must not leave a network running.
    for (const port of started) await run(['network', 'stop', '--port', String(port)]);
    for (const child of children) child.kill('SIGKILL');
    await pool.stopAll();
    sandbox.cleanup();
  });

  it('a background network with its own --state-dir: status and stop find it by --port alone', async () => {
    const port = await freePort();
    const stateDir = join(sandbox.home, 'net');
    started.push(port);
    const start = jsonOf(
      await run(['network', 'start', '--background', '--port', String(port), '--state-dir', stateDir, '--json']),
      0,
    );
    expect(start).to.include({ port, stateDir, background: true });
    const samePort = await run([
      'network',
      'start',
      '--background',
      '--port',
      String(port),
      '--state-dir',
      join(sandbox.home, 'other'),
    ]);
    expect(samePort.exitCode, samePort.stderr).to.equal(9);
    const sameDir = await run(['network', 'start', '--background', '--port', '0', '--state-dir', stateDir]);
    expect(sameDir.exitCode, sameDir.stderr).to.equal(9);
    expect(sameDir.stderr).to.match(
      new RegExp(`^Error: A network is already running from ${stateDir} \\(pid ${start.pid}`, 'm'),
    );
    // What the port answers about itself.
    const said = await (await fetch(`${start.url}${NETWORK_INFO_PATH}`)).json();
    expect(said).to.include({ pid: start.pid, port, stateDir });
    expect(Date.parse(said.startedAt)).to.be.a('number').and.not.NaN;

    const status = jsonOf(await run(['network', 'status', '--port', String(port), '--json']), 0);
    expect(status).to.deep.include({
      running: true,
      healthy: true,
      port,
      pid: start.pid,
      url: start.url,
      stateDir,
      foundBy: 'port',
    });
    const line = await run(['network', 'status', '--port', String(port)]);
    expect(line.stdout).to.equal(
      `running at ${start.url} (pid ${start.pid}, since ${status.startedAt}, state in ${stateDir})\n`,
    );

    const stopped = jsonOf(await run(['network', 'stop', '--port', String(port), '--json']), 0);
    expect(stopped).to.deep.include({ stopped: true, pid: start.pid, port, stateDir });
    expect(isProcessAlive(start.pid)).to.equal(false);
    expect(existsSync(join(stateDir, 'devnet.pid'))).to.equal(false);
    const after = jsonOf(await run(['network', 'status', '--port', String(port), '--json']), 6);
    expect(after).to.include({ running: false });
  });

  it('the "stop it with" line of a background start is a command that works', async () => {
    const port = await freePort();
    started.push(port);
    const start = await run([
      'network',
      'start',
      '--background',
      '--port',
      String(port),
      '--state-dir',
      join(sandbox.home, 'hinted'),
    ]);
    expect(start.exitCode, start.stderr).to.equal(0);
    const hint = /^Stop it with: soulrecall (network stop .*)$/m.exec(start.stderr);
    expect(hint?.[1]).to.equal(`network stop --port ${port}`);
    const stop = await run(hint![1]!.split(' '));
    expect(stop.exitCode, stop.stderr).to.equal(0);
  });

  it('a foreground network with its own --state-dir: found by status, stopped by stop (the foreground process exits 0)', async () => {
    const port = await freePort();
    const stateDir = join(sandbox.home, 'foreground');
    const child = spawn(
      process.execPath,
      [binPath, 'network', 'start', '--port', String(port), '--state-dir', stateDir],
      { cwd: sandbox.home, env: sandbox.env(), stdio: 'pipe' },
    );
    children.push(child);
    const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
    await new Promise<void>((resolve, reject) => {
      let stderr = '';
      child.stderr!.on('data', (chunk) => {
        stderr += chunk;
        if (stderr.includes('Press Ctrl-C to stop.')) resolve();
      });
      child.once('exit', (code) => reject(new Error(`network start exited with ${code}: ${stderr}`)));
    });
    const status = jsonOf(await run(['network', 'status', '--port', String(port), '--json']), 0);
    expect(status).to.deep.include({ running: true, healthy: true, pid: child.pid, port, stateDir, foundBy: 'port' });
    const stopped = jsonOf(await run(['network', 'stop', '--port', String(port), '--json']), 0);
    expect(stopped).to.deep.include({ stopped: true, pid: child.pid, stateDir });
    expect(await exited).to.equal(0);
  });

  it('--state-dir still names a network directly', async () => {
    const stateDir = join(sandbox.home, 'direct');
    const start = jsonOf(
      await run(['network', 'start', '--background', '--port', '0', '--state-dir', stateDir, '--json']),
      0,
    );
    started.push(start.port);
    const status = jsonOf(await run(['network', 'status', '--port', '0', '--state-dir', stateDir, '--json']), 0);
    expect(status).to.deep.include({ running: true, pid: start.pid, foundBy: 'state-dir' });
    jsonOf(await run(['network', 'stop', '--state-dir', stateDir, '--json']), 0);
  });

  it("nothing answers on the port: the default state directory's pid file tells of a process that hangs (exit 8, stoppable) or is gone (stale, removed)", async () => {
    const port = await freePort();
    const defaultDir = join(sandbox.home, 'networks', String(port));
    mkdirSync(defaultDir, { recursive: true });
    // A process that runs but answers nothing, as a hung network would.
    const hung = spawn(process.execPath, ['-e', 'setInterval(() => {}, 1000)'], { stdio: 'ignore' });
    children.push(hung);
    const hungExit = new Promise<NodeJS.Signals | null>((resolve) =>
      hung.once('exit', (_code, signal) => resolve(signal)),
    );
    writeFileSync(join(defaultDir, 'devnet.pid'), `${hung.pid}\n`);
    const status = await run(['network', 'status', '--port', String(port)]);
    expect(status.exitCode, status.stderr).to.equal(8);
    expect(status.stdout).to.equal(`process ${hung.pid} runs but the network does not answer\n`);
    expect(jsonOf(await run(['network', 'stop', '--port', String(port), '--json']), 0)).to.deep.include({
      stopped: true,
      pid: hung.pid,
      stateDir: defaultDir,
    });
    expect(await hungExit).to.equal('SIGTERM');

    const gone = spawnSync(process.execPath, ['-e', 'process.stdout.write(String(process.pid))'], { encoding: 'utf8' });
    writeFileSync(join(defaultDir, 'devnet.pid'), gone.stdout);
    const stale = await run(['network', 'status', '--port', String(port)]);
    expect(stale.exitCode).to.equal(6);
    expect(stale.stdout).to.equal(`not running (stale pid file of process ${gone.stdout})\n`);
    const stop = await run(['network', 'stop', '--port', String(port)]);
    expect(stop.exitCode).to.equal(4);
    expect(stop.stderr).to.match(
      new RegExp(
        `^Error: The network of ${defaultDir} is not running: its process ${gone.stdout} is gone\\. Removed the stale pid file\\.$`,
        'm',
      ),
    );
    expect(existsSync(join(defaultDir, 'devnet.pid'))).to.equal(false);
  });

  describe('what is not a network soulrecall started is never found, nor signalled', () => {
    let devnetPort: number;
    let impostor: http.Server;
    let impostorPort: number;
    let freeOne: number;
    let busy: http.Server;
    let busyPort: number;

    before(async () => {
      // A real devnet, but run by this test process: it answers who it is, yet no runtime file
      // in its state directory names this process, so nothing may stop it (it would be us).
      devnetPort = (await pool.start()).port;
      // Claims to be a soulrecall network run by this test process, from a directory without runtime files.
      const claimedDir = join(sandbox.home, 'claimed');
      mkdirSync(claimedDir, { recursive: true });
      impostor = http.createServer((request, response) => {
        if (request.url === NETWORK_INFO_PATH)
          response.end(
            JSON.stringify({
              pid: process.pid,
              port: impostorPort,
              stateDir: claimedDir,
              startedAt: new Date().toISOString(),
            }),
          );
        else response.writeHead(404).end('no');
      });
      await new Promise<void>((resolve) => impostor.listen(0, '127.0.0.1', resolve));
      impostorPort = (impostor.address() as { port: number }).port;
      busy = http.createServer((_request, response) => response.writeHead(404).end('not a network'));
      await new Promise<void>((resolve) => busy.listen(0, '127.0.0.1', resolve));
      busyPort = (busy.address() as { port: number }).port;
      freeOne = await freePort();
    });

    after(() => {
      impostor.close();
      busy.close();
    });

    /** stop's one sentence when no network of `network start` runs on the port. */
    const notRunningOn = (port: number) =>
      new RegExp(
        `^Error: No network started by \`soulrecall network start\` is running on port ${port} \\(and \\S+ has no pid file\\)\\.$`,
        'm',
      );

    interface BadInputCase {
      name: string;
      args: () => string[];
      exitCode: number;
      /** What stderr (an error) or stdout (status's verdict) says. */
      says: () => RegExp;
      /** The outcome is an error (Error: + Hint:), not a status verdict. */
      error: boolean;
    }
    const cases: BadInputCase[] = [
      {
        name: 'status: port out of range',
        args: () => ['network', 'status', '--port', '70000'],
        exitCode: 2,
        says: () => /70000/,
        error: true,
      },
      {
        name: 'stop: port not a number',
        args: () => ['network', 'stop', '--port', 'abc'],
        exitCode: 2,
        says: () => /abc/,
        error: true,
      },
      {
        name: 'stop: nothing on the port',
        args: () => ['network', 'stop', '--port', String(freeOne)],
        exitCode: 4,
        says: () => notRunningOn(freeOne),
        error: true,
      },
      {
        name: 'status: nothing on the port',
        args: () => ['network', 'status', '--port', String(freeOne)],
        exitCode: 6,
        says: () => /^not running$/m,
        error: false,
      },
      {
        name: 'status: the port answers, but not as a network',
        args: () => ['network', 'status', '--port', String(busyPort)],
        exitCode: 6,
        says: () => /^not running$/m,
        error: false,
      },
      {
        name: 'stop: the port answers, but not as a network',
        args: () => ['network', 'stop', '--port', String(busyPort)],
        exitCode: 4,
        says: () => notRunningOn(busyPort),
        error: true,
      },
      {
        name: 'stop: a devnet that network start did not start',
        args: () => ['network', 'stop', '--port', String(devnetPort)],
        exitCode: 4,
        says: () => notRunningOn(devnetPort),
        error: true,
      },
      {
        name: 'stop: a server naming a pid its directory does not confirm',
        args: () => ['network', 'stop', '--port', String(impostorPort)],
        exitCode: 4,
        says: () => notRunningOn(impostorPort),
        error: true,
      },
      {
        name: 'start: port in use',
        args: () => [
          'network',
          'start',
          '--background',
          '--port',
          String(busyPort),
          '--state-dir',
          join(sandbox.home, 'busy'),
        ],
        exitCode: 9,
        says: () => new RegExp(`Port ${busyPort} on 127\\.0\\.0\\.1 is already in use`),
        error: true,
      },
    ];
    for (const testCase of cases) {
      it(`${testCase.name} → exit ${testCase.exitCode}`, async () => {
        const result = await run(testCase.args());
        const shown = `exit ${result.exitCode}\nstdout: ${result.stdout}\nstderr: ${result.stderr}`;
        expect(result.exitCode, shown).to.equal(testCase.exitCode);
        if (testCase.error) {
          expect(result.stdout, shown).to.equal('');
          expect(result.stderr, shown).to.match(/^Error: .+/m);
          expect(result.stderr, shown).to.match(/^Hint: .+/m);
          expect(result.stderr, shown).to.match(testCase.says());
        } else {
          expect(result.stdout, shown).to.match(testCase.says());
        }
        expect(result.stderr, shown).to.not.match(STACK_TRACE);
        // This process is still here, and so is the devnet it runs.
        expect((await fetch(`http://127.0.0.1:${devnetPort}/api/v2/status`)).ok).to.equal(true);
      });
    }
  });
});
