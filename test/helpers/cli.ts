import { spawn } from 'node:child_process';
import { chmodSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { DEFAULT_PROJECT, loadProjectConfig } from '@soulrecall/core';
import { openHistoryStore, type HistoryStore } from '@soulrecall/history-store';

export const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');
export const binPath = join(repoRoot, 'bin', 'run.js');

/** A CLI run that hangs is killed (and its test fails) instead of holding the suite open. */
export const CHILD_TIMEOUT_MS = 240_000;

export interface CliResult {
  stdout: string;
  stderr: string;
  exitCode: number;
}

/** An isolated soulrecall home (data, config and cache dirs) for one test file. */
export class CliSandbox {
  readonly home = mkdtempSync(join(tmpdir(), 'soulrecall-home-'));

  /**
   * The history store as the CLI sees it from `projectDir` (its soulrecall.yaml's project), or
   * outside any project (`default`). The caller closes it.
   */
  openStore(projectDir?: string): HistoryStore {
    const project = projectDir === undefined ? DEFAULT_PROJECT : loadProjectConfig({ cwd: projectDir }).project;
    return openHistoryStore({ dataDir: this.home, project });
  }

  env(extra: NodeJS.ProcessEnv = {}): NodeJS.ProcessEnv {
    return {
      ...process.env,
      SOULRECALL_HOME: this.home,
      SOULRECALL_DATA_DIR: join(this.home, 'oclif-data'),
      SOULRECALL_CONFIG_DIR: join(this.home, 'oclif-config'),
      SOULRECALL_CACHE_DIR: join(this.home, 'oclif-cache'),
      NO_COLOR: '1',
      DEBUG: '',
      ...extra,
    };
  }

  /**
   * A PATH whose first folder holds `soulrecall` (the built binary), as an installed CLI is on
   * PATH: for shells and pipelines (`soulrecall list | grep …`) that call the program by name.
   */
  pathWithBinary(): string {
    const binDir = join(this.home, 'bin');
    mkdirSync(binDir, { recursive: true });
    writeFileSync(join(binDir, 'soulrecall'), `#!/bin/sh\nexec "${process.execPath}" "${binPath}" "$@"\n`);
    chmodSync(join(binDir, 'soulrecall'), 0o755);
    return `${binDir}:${process.env.PATH}`;
  }

  /** Runs the built binary as a child process, as a user would. */
  run(args: string[], options: { cwd?: string; env?: NodeJS.ProcessEnv; input?: string } = {}): Promise<CliResult> {
    return runProgram(process.execPath, [binPath, ...args], {
      cwd: options.cwd ?? this.home,
      env: this.env(options.env),
      input: options.input,
    });
  }

  cleanup(): void {
    rmSync(this.home, { recursive: true, force: true });
  }
}

/** A stack trace line, which users must never see without --verbose. */
export const STACK_TRACE = /^\s+at .+\(.+:\d+:\d+\)$|^\s+at .+:\d+:\d+$/m;

/** Runs a program to its end and collects what it printed; killed when it hangs. */
export function runProgram(
  file: string,
  args: string[],
  options: { cwd: string; env: NodeJS.ProcessEnv; input?: string; timeoutMs?: number; uid?: number; gid?: number },
): Promise<CliResult> {
  return new Promise((resolvePromise, reject) => {
    const child = spawn(file, args, {
      cwd: options.cwd,
      env: options.env,
      stdio: 'pipe',
      timeout: options.timeoutMs ?? CHILD_TIMEOUT_MS,
      killSignal: 'SIGKILL',
      uid: options.uid,
      gid: options.gid,
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk) => (stdout += chunk));
    child.stderr.on('data', (chunk) => (stderr += chunk));
    child.on('error', reject);
    child.on('close', (code) => resolvePromise({ stdout, stderr, exitCode: code ?? -1 }));
    child.stdin.end(options.input ?? '');
  });
}
