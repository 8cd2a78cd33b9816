import { execFile, spawn } from 'node:child_process';
import { promisify } from 'node:util';

const execFileAsync = promisify(execFile);

/** The whole screen is one empty prompt (`PS1='$ '`, after `clear`). */
export const PROMPT_ONLY = /^\s*\$\s*$/;

/**
 * A real terminal: one tmux session on its own socket, running `command` (a shell), keys sent as
 * a user presses them and the screen read back as tmux shows it (trailing blanks trimmed).
 */
export class TerminalSession {
  private constructor(
    private readonly socket: string,
    private readonly name: string,
    private readonly env: NodeJS.ProcessEnv,
  ) {}

  static async start(options: { socket: string; name: string; cwd: string; command: string; env: NodeJS.ProcessEnv; columns?: number; rows?: number }): Promise<TerminalSession> {
    const size = ['-x', String(options.columns ?? 160), '-y', String(options.rows ?? 40)];
    await new Promise<void>((resolve, reject) => {
      const child = spawn('tmux', ['-S', options.socket, 'new-session', '-d', '-s', options.name, ...size, '-c', options.cwd, options.command], { env: options.env, stdio: 'ignore' });
      child.on('error', reject);
      child.on('close', (code) => (code === 0 ? resolve() : reject(new Error(`tmux exited ${code}`))));
    });
    return new TerminalSession(options.socket, options.name, options.env);
  }

  private tmux(...args: string[]) {
    return execFileAsync('tmux', ['-S', this.socket, ...args], { env: this.env });
  }

  /** Types `text` literally (no key names). */
  async type(text: string): Promise<void> {
    await this.tmux('send-keys', '-t', this.name, '-l', text);
  }

  /** Presses keys by tmux's names: `Enter`, `Tab`, `C-c`, … */
  async press(...keys: string[]): Promise<void> {
    await this.tmux('send-keys', '-t', this.name, ...keys);
  }

  /** Types a line and presses Enter. */
  async enter(line: string): Promise<void> {
    await this.type(line);
    await this.press('Enter');
  }

  async screen(): Promise<string> {
    return (await this.tmux('capture-pane', '-p', '-t', this.name)).stdout;
  }

  /** Reads the screen until it shows `pattern` (a minute at most: a hung command fails the test). */
  async waitFor(pattern: RegExp): Promise<string> {
    const deadline = Date.now() + 60_000;
    let text = '';
    while (Date.now() < deadline) {
      text = await this.screen();
      if (pattern.test(text)) return text;
      await new Promise((resolve) => setTimeout(resolve, 200));
    }
    throw new Error(`the screen never showed ${pattern}:\n${text}`);
  }

  async kill(): Promise<void> {
    await this.tmux('kill-server').catch(() => undefined);
  }
}
