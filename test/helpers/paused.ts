import { spawn, type ChildProcess } from 'node:child_process';
import { binPath, type CliSandbox } from './cli.js';

/** A `promote` left running in the background, stopped by SOULRECALL_PAUSE_AFTER_STEP at a known step. */
export interface PausedPromotion {
  child: ChildProcess;
  stderr: () => string;
  exited: Promise<number | null>;
}

/**
 * Starts the binary in a project folder (a TestProject, a FaultCampaign) and resolves once `paused after <step>` is on
 * its stderr.
 */
export function startPaused(
  project: { dir: string; sandbox: CliSandbox },
  args: string[],
  step: string,
  env: NodeJS.ProcessEnv = {},
): Promise<PausedPromotion> {
  const child = spawn(process.execPath, [binPath, ...args], {
    cwd: project.dir,
    env: project.sandbox.env({ SOULRECALL_PAUSE_AFTER_STEP: step, ...env }),
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stderr = '';
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  return new Promise((resolve, reject) => {
    child.stderr!.on('data', (chunk) => {
      stderr += chunk;
      if (stderr.includes(`paused after ${step}\n`)) resolve({ child, stderr: () => stderr, exited });
    });
    void exited.then((code) => reject(new Error(`promote exited (${code}) before pausing after ${step}:\n${stderr}`)));
  });
}

/** SIGKILL: no handler runs, exactly like a terminal that dies. */
export async function killHard(paused: PausedPromotion): Promise<void> {
  paused.child.kill('SIGKILL');
  await paused.exited;
}
