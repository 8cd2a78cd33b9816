import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startDevnet, type Devnet } from '@soulrecall/devnet';

/** Real local IC networks for end-to-end tests, each on an ephemeral port with its own state. */
export class DevnetPool {
  private readonly networks: Array<{ devnet: Devnet; stateDir: string }> = [];

  async start(): Promise<Devnet> {
    const stateDir = mkdtempSync(join(tmpdir(), 'soulrecall-devnet-'));
    const devnet = await startDevnet({ port: 0, stateDir });
    this.networks.push({ devnet, stateDir });
    return devnet;
  }

  async stopAll(): Promise<void> {
    for (const { devnet, stateDir } of this.networks.splice(0)) {
      await devnet.close();
      rmSync(stateDir, { recursive: true, force: true });
    }
  }
}
