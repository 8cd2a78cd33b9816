/**
 * DFINITY's icp-cli (`@icp-sdk/icp-cli-linux-x64`, a dev dependency) as a second, independent
 * client of a devnet: a temp HOME (its identities and settings), and a project folder whose
 * `icp.yaml` names the devnet as a `connected` network with its root key fetched, exactly as a
 * user points icp-cli at any local network. Nothing in it is devnet-specific.
 *
 * ```ts
 * const icp = await IcpCli.connect(devnet.url);
 * await icp.importIdentity('soul', pemPath);             // becomes the default identity
 * const { stdout } = await icp.ok(['canister', 'call', '-e', 'devnet', id, 'version', '()']);
 * // after(): icp.cleanup();
 * ```
 */
import { createRequire } from 'node:module';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runProgram, type CliResult } from './cli.js';

const icpBinary: string = createRequire(import.meta.url)('@icp-sdk/icp-cli-linux-x64').binaryPath;

/** The environment name icp.yaml gives the devnet. */
export const ICP_ENVIRONMENT = 'devnet';

export class IcpCli {
  private constructor(
    readonly home: string,
    readonly projectDir: string,
  ) {}

  static connect(networkUrl: string): IcpCli {
    const home = mkdtempSync(join(tmpdir(), 'soulrecall-icp-cli-'));
    const projectDir = join(home, 'project');
    mkdirSync(projectDir);
    writeFileSync(
      join(projectDir, 'icp.yaml'),
      [
        'networks:',
        `  - name: ${ICP_ENVIRONMENT}`,
        '    mode: connected',
        `    url: ${networkUrl}`,
        '    root-key: fetch',
        'environments:',
        `  - name: ${ICP_ENVIRONMENT}`,
        `    network: ${ICP_ENVIRONMENT}`,
        '',
      ].join('\n'),
    );
    return new IcpCli(home, projectDir);
  }

  /** Runs icp in the project folder; `DO_NOT_TRACK` keeps its telemetry off the test run. */
  run(args: string[]): Promise<CliResult> {
    const env: NodeJS.ProcessEnv = { ...process.env, HOME: this.home, DO_NOT_TRACK: '1', NO_COLOR: '1' };
    delete env.XDG_CONFIG_HOME;
    delete env.XDG_DATA_HOME;
    delete env.XDG_CACHE_HOME;
    return runProgram(icpBinary, args, { cwd: this.projectDir, env });
  }

  /** Runs icp and fails with everything it printed when it does not exit 0. */
  async ok(args: string[]): Promise<CliResult> {
    const result = await this.run(args);
    if (result.exitCode !== 0)
      throw new Error(
        `icp ${args.join(' ')} exited ${result.exitCode}:\n${result.stdout}\n--- stderr:\n${result.stderr}`,
      );
    return result;
  }

  /** `icp … --json`, parsed. */
  async json(args: string[]): Promise<any> {
    const { stdout } = await this.ok([...args, '--json']);
    return JSON.parse(stdout);
  }

  /** An identity from a PEM file (plaintext storage: no keyring on test machines), made the default. */
  async importIdentity(name: string, pemPath: string): Promise<void> {
    await this.ok(['identity', 'import', name, '--from-pem', pemPath, '--storage', 'plaintext']);
    await this.ok(['identity', 'default', name]);
  }

  /** A new identity of icp-cli's own; returns its principal. */
  async newIdentity(name: string): Promise<string> {
    await this.ok(['identity', 'new', name, '--storage', 'plaintext', '--quiet']);
    return (await this.ok(['identity', 'principal', '--identity', name])).stdout.trim();
  }

  cleanup(): void {
    rmSync(this.home, { recursive: true, force: true });
  }
}
