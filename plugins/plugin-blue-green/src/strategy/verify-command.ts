import { spawn } from 'node:child_process';

export interface VerifyCommandInput {
  command: string;
  greenCanisterId: string;
  blueCanisterId: string;
  networkUrl: string;
  /** Working directory: the project root, so relative scripts resolve as the user wrote them. */
  cwd: string;
  timeoutMs?: number;
  /** Where the command's output is echoed (default: stderr). */
  echo?: NodeJS.WritableStream;
}

export interface VerifyCommandOutcome {
  passed: boolean;
  exitCode: number | null;
  signal: string | null;
  timedOut: boolean;
  /** The last lines the command printed (stdout and stderr), for the journal and the error. */
  outputTail: string;
}

const DEFAULT_TIMEOUT_MS = 10 * 60_000;
const TAIL_CHARS = 2000;

/**
 * Runs the user's `--verify-cmd` in a shell with the green and blue ids and the network URL in
 * its environment. Its output is forwarded to stderr (stdout stays the command's result, which
 * must remain one JSON document with --json) and its tail is kept for the journal.
 */
export function runVerifyCommand(input: VerifyCommandInput): Promise<VerifyCommandOutcome> {
  return new Promise((resolve, reject) => {
    const child = spawn(input.command, {
      shell: true,
      cwd: input.cwd,
      // Its own process group, so a timeout stops the shell and everything it started.
      detached: true,
      stdio: ['ignore', 'pipe', 'pipe'],
      env: {
        ...process.env,
        SOULRECALL_GREEN_CANISTER: input.greenCanisterId,
        SOULRECALL_BLUE_CANISTER: input.blueCanisterId,
        SOULRECALL_NETWORK_URL: input.networkUrl,
      },
    });
    let tail = '';
    let timedOut = false;
    const keep = (chunk: Buffer) => {
      (input.echo ?? process.stderr).write(chunk);
      tail = (tail + chunk.toString('utf8')).slice(-TAIL_CHARS);
    };
    child.stdout.on('data', keep);
    child.stderr.on('data', keep);
    const stopGroup = () => {
      try {
        process.kill(-child.pid!, 'SIGTERM');
      } catch {
        child.kill('SIGTERM');
      }
    };
    const timer = setTimeout(() => {
      timedOut = true;
      stopGroup();
    }, input.timeoutMs ?? DEFAULT_TIMEOUT_MS);
    // Detached from our group, so an interrupted soulrecall stops it explicitly on the way out.
    process.once('exit', stopGroup);
    const settle = () => {
      clearTimeout(timer);
      process.removeListener('exit', stopGroup);
    };
    child.on('error', (error) => {
      settle();
      reject(error);
    });
    child.on('close', (exitCode, signal) => {
      settle();
      resolve({ passed: exitCode === 0 && !timedOut, exitCode, signal, timedOut, outputTail: tail.trim() });
    });
  });
}

/** One sentence on why a verify command did not pass. */
export function describeVerifyFailure(command: string, outcome: VerifyCommandOutcome): string {
  const how = outcome.timedOut
    ? 'timed out'
    : outcome.exitCode !== null
      ? `exited with code ${outcome.exitCode}`
      : `was killed by ${outcome.signal}`;
  const lastLine = outcome.outputTail.split('\n').filter(Boolean).pop();
  return `--verify-cmd "${command}" ${how}${lastLine ? ` (last output: ${lastLine.slice(0, 200)})` : ''}`;
}
