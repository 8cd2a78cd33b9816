import { execFile, spawn } from 'node:child_process';
import { promisify } from 'node:util';

const execFileAsync = promisify(execFile);

/** The whole screen is one empty prompt (`PS1='$ '`, after `clear`). */
export const PROMPT_ONLY = /^\s*\$\s*$/;

export interface TmuxPaneOptions {
  /** The tmux server's socket (one per pane keeps tests apart from each other and from the user's tmux). */
  socket: string;
  width: number;
  height: number;
  cwd: string;
  env: NodeJS.ProcessEnv;
  /** What runs in the pane, e.g. `bash --norc --noprofile -i`. */
  command: string;
}

/**
 * A real terminal for tests: a program in a detached tmux pane of a fixed size, keys sent as a
 * user presses them and the screen read back, so what a user would see is what is asserted.
 */
export class TmuxPane {
  private constructor(private readonly options: TmuxPaneOptions) {}

  static async start(options: TmuxPaneOptions): Promise<TmuxPane> {
    const pane = new TmuxPane(options);
    await new Promise<void>((resolve, reject) => {
      const args = [
        '-S',
        options.socket,
        'new-session',
        '-d',
        '-s',
        'pane',
        '-x',
        String(options.width),
        '-y',
        String(options.height),
        '-c',
        options.cwd,
        options.command,
      ];
      const child = spawn('tmux', args, { env: options.env, stdio: 'ignore' });
      child.on('error', reject);
      child.on('close', (code) => (code === 0 ? resolve() : reject(new Error(`tmux exited ${code}`))));
    });
    return pane;
  }

  /** Types `text` literally (no key names). */
  async type(text: string): Promise<void> {
    await this.tmux('send-keys', '-t', 'pane', '-l', text);
  }

  /** Presses keys by tmux's names: `Enter`, `Tab`, `C-c`. */
  async press(...keys: string[]): Promise<void> {
    await this.tmux('send-keys', '-t', 'pane', ...keys);
  }

  /** Types a line and presses Enter. */
  async enter(line: string): Promise<void> {
    await this.type(line);
    await this.press('Enter');
  }

  /** The visible screen; `joined`: lines the terminal wrapped are joined back (tmux's -J). */
  async screen(options: { joined?: boolean } = {}): Promise<string> {
    return (await this.tmux('capture-pane', '-p', ...(options.joined ? ['-J'] : []), '-t', 'pane')).stdout;
  }

  /** Polls the screen until it matches, and returns it; fails with the last screen after a minute. */
  async waitFor(pattern: RegExp, options: { joined?: boolean } = {}): Promise<string> {
    const deadline = Date.now() + 60_000;
    let text = '';
    while (Date.now() < deadline) {
      text = await this.screen(options);
      if (pattern.test(text)) return text;
      await new Promise((resolve) => setTimeout(resolve, 200));
    }
    throw new Error(`the screen never showed ${pattern}:\n${text}`);
  }

  /** A tmux format about the pane, e.g. `#{cursor_flag}` (1 when the cursor is visible). */
  async display(format: string): Promise<string> {
    return (await this.tmux('display-message', '-p', '-t', 'pane', format)).stdout.trim();
  }

  async kill(): Promise<void> {
    await this.tmux('kill-server').catch(() => undefined);
  }

  private tmux(...args: string[]) {
    return execFileAsync('tmux', ['-S', this.options.socket, ...args], { env: this.options.env });
  }
}
