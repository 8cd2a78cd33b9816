import { expect } from 'chai';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Config } from '@oclif/core';
import type { ProjectConfig, PromoteAfterPayload } from '@soulrecall/core';
import type { Promotion } from '@soulrecall/history-store';
import NotifyTest from '../src/commands/notify/test.js';
import notifyAfterPromotion from '../src/hooks/promote-after.js';
import { postJson, WEBHOOK_ENV } from '../src/notification.js';
import { downWebhookUrl, WebhookServer } from './webhook-server.js';

const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..', '..');
const SHA = 'a'.repeat(64);

function promotion(overrides: Partial<Promotion> = {}): Promotion {
  return {
    id: 'prm-abc123',
    project: 'support-agents',
    agent: 'my-agent',
    fromEnvironment: 'staging',
    toEnvironment: 'production',
    strategy: 'in-place',
    sourceDeploymentId: 3,
    targetDeploymentId: 7,
    targetCanisterId: 'rrkah-fqaaa-aaaaa-aaaaq-cai',
    status: 'succeeded',
    error: null,
    options: { moduleSha256: SHA },
    by: { principal: null, osUser: 'ada', host: 'laptop' },
    createdAt: '2026-01-01T00:00:00.000Z',
    startedAt: '2026-01-01T00:00:01.000Z',
    finishedAt: '2026-01-01T00:00:09.000Z',
    updatedAt: '2026-01-01T00:00:09.000Z',
    writePauseMs: null,
    steps: [],
    ...overrides,
  };
}

function project(plugins: ProjectConfig['plugins']): ProjectConfig {
  return {
    project: 'support-agents',
    file: '/srv/app/soulrecall.yaml',
    root: '/srv/app',
    pipeline: ['staging', 'production'],
    environments: [],
    agents: [],
    plugins,
  };
}

/** Runs the hook as oclif does (`this` is the hook context) and returns what it wrote to stderr. */
async function runHook(payload: PromoteAfterPayload): Promise<string> {
  const { output } = await capture('stderr', () =>
    notifyAfterPromotion.call({} as never, { ...payload, config: {} as Config, context: {} as never }),
  );
  return output;
}

async function capture<T>(
  stream: 'stdout' | 'stderr',
  action: () => Promise<T>,
): Promise<{ output: string; value: T }> {
  const target = process[stream];
  const original = target.write.bind(target);
  let output = '';
  target.write = ((chunk: string | Uint8Array) => ((output += String(chunk)), true)) as typeof target.write;
  try {
    const value = await action();
    return { output, value };
  } finally {
    target.write = original;
  }
}

describe('soulrecall-plugin-notify', function () {
  this.timeout(30_000);
  let server: WebhookServer;
  const savedEnv = process.env[WEBHOOK_ENV];
  beforeEach(async () => {
    delete process.env[WEBHOOK_ENV];
    server = await new WebhookServer().start();
  });
  afterEach(async () => {
    await server.stop();
    if (savedEnv === undefined) delete process.env[WEBHOOK_ENV];
    else process.env[WEBHOOK_ENV] = savedEnv;
  });

  describe('the promote:after hook', () => {
    it("POSTs one JSON notification with the promotion's id, agent, environments, status and module hash", async () => {
      const result = {
        module: { sha256: 'b'.repeat(64) },
        targetCanisterId: 'ryjl3-tyaaa-aaaaa-aaaba-cai',
      } as PromoteAfterPayload['result'];
      const stderr = await runHook({
        promotion: promotion(),
        result,
        project: project({ notify: { webhook: server.url } }),
      });
      expect(stderr).to.equal('');
      expect(server.requests).to.have.length(1);
      const [request] = server.requests;
      expect(request!.method).to.equal('POST');
      expect(request!.path).to.equal('/hooks/soulrecall');
      expect(request!.headers['content-type']).to.equal('application/json');
      expect(request!.body).to.deep.equal({
        event: 'promote:after',
        promotionId: 'prm-abc123',
        project: 'support-agents',
        agent: 'my-agent',
        fromEnvironment: 'staging',
        toEnvironment: 'production',
        strategy: 'in-place',
        status: 'succeeded',
        moduleSha256: 'b'.repeat(64),
        targetCanisterId: 'ryjl3-tyaaa-aaaaa-aaaba-cai',
        error: null,
        finishedAt: '2026-01-01T00:00:09.000Z',
      });
    });

    it('a failed promotion (no result) is notified with its status, error and the module hash of its record', async () => {
      await runHook({
        promotion: promotion({ status: 'rolled-back', error: 'unhealthy' }),
        error: 'unhealthy',
        project: project({ notify: { webhook: server.url } }),
      });
      expect(server.requests).to.have.length(1);
      expect(server.requests[0]!.body).to.include({ status: 'rolled-back', error: 'unhealthy', moduleSha256: SHA });
    });

    it(`${WEBHOOK_ENV} wins over soulrecall.yaml`, async () => {
      const other = await new WebhookServer().start();
      try {
        process.env[WEBHOOK_ENV] = other.url;
        await runHook({ promotion: promotion(), project: project({ notify: { webhook: server.url } }) });
        expect(other.requests).to.have.length(1);
        expect(server.requests).to.have.length(0);
      } finally {
        await other.stop();
      }
    });

    it('without a webhook it sends nothing and says nothing', async () => {
      const stderr = await runHook({ promotion: promotion(), project: project({}) });
      expect(stderr).to.equal('');
      expect(server.requests).to.have.length(0);
    });

    it('a webhook that is down is one warning line, and the hook does not fail', async () => {
      const stderr = await runHook({
        promotion: promotion(),
        project: project({ notify: { webhook: await downWebhookUrl() } }),
      });
      expect(stderr.split('\n').filter(Boolean)).to.have.length(1);
      expect(stderr).to.match(
        /^Warning: soulrecall-plugin-notify: no notification sent: the webhook at http:\/\/127\.0\.0\.1:\d+ did not take the notification: connection refused\.\n$/,
      );
      expect(stderr, 'the path may hold a token: not shown').not.to.include('/hooks/soulrecall');
    });

    it('a webhook answering 500 is one warning line naming the status', async () => {
      server.status = 500;
      const stderr = await runHook({ promotion: promotion(), project: project({ notify: { webhook: server.url } }) });
      expect(server.requests).to.have.length(1);
      expect(stderr).to.match(
        /^Warning: soulrecall-plugin-notify: no notification sent: .+: it answered HTTP 500\.\n$/,
      );
    });

    it('a webhook setting that is not a URL is one warning line naming the file', async () => {
      const stderr = await runHook({ promotion: promotion(), project: project({ notify: { webhook: 42 } }) });
      expect(stderr).to.equal(
        'Warning: soulrecall-plugin-notify: no notification sent: plugins.notify.webhook in /srv/app/soulrecall.yaml must be a URL.\n',
      );
    });
  });

  it('a webhook that does not answer is given up on after the timeout', async () => {
    server.hang = true;
    const started = Date.now();
    let error: Error | undefined;
    await postJson(server.url, {}, { timeoutMs: 300 }).catch((thrown: Error) => (error = thrown));
    expect(error?.message).to.match(/did not take the notification: no answer within 300 ms$/);
    expect(Date.now() - started).to.be.below(3_000);
  });

  describe('notify test', () => {
    let config: Config;
    let folder: string;
    before(async () => {
      // The real CLI's configuration: `soulrecall:project` is answered by its own hook.
      config = await Config.load(repoRoot);
      folder = mkdtempSync(join(tmpdir(), 'notify-test-'));
    });
    after(() => rmSync(folder, { recursive: true, force: true }));
    afterEach(() => {
      process.exitCode = undefined;
    });

    const run = (argv: string[]) => capture('stdout', () => NotifyTest.run(argv, config));

    it('POSTs a test notification to the webhook of soulrecall.yaml (--config) and reports it (--json)', async () => {
      const file = join(folder, 'soulrecall.yaml');
      writeFileSync(
        file,
        `project: notify-demo\nenvironments:\n  local: { network: local }\nplugins:\n  notify: { webhook: "${server.url}" }\n`,
      );
      const { output, value } = await run(['--config', file, '--json']);
      expect(process.exitCode ?? 0).to.equal(0);
      expect(JSON.parse(output)).to.deep.equal(value);
      expect(value).to.include({
        delivered: true,
        source: 'config',
        httpStatus: 204,
        webhook: new URL(server.url).origin,
      });
      expect(server.requests).to.have.length(1);
      expect(server.requests[0]!.body).to.include({ event: 'notify:test', project: 'notify-demo' });
    });

    it('--url is used as given; a webhook answering 500 is exit 6 with one sentence and a hint', async () => {
      server.status = 500;
      const { output } = await capture('stderr', () => run(['--url', server.url]));
      expect(process.exitCode).to.equal(6);
      expect(output).to.match(
        /^Error: The webhook at http:\/\/127\.0\.0\.1:\d+ did not take the notification: it answered HTTP 500\.\nHint: .+\n$/,
      );
    });

    it('no webhook anywhere is exit 3 saying where to set one', async () => {
      const file = join(folder, 'bare.yaml');
      writeFileSync(file, 'environments:\n  local: { network: local }\n');
      const { output, value } = await run(['--config', file, '--json']);
      expect(process.exitCode).to.equal(3);
      expect(JSON.parse(output)).to.deep.equal(value);
      expect((value as { error: { code: string; message: string } }).error).to.include({
        code: 'NOTIFY_CONFIG_INVALID',
      });
      expect((value as { error: { message: string } }).error.message)
        .to.include('plugins.notify.webhook')
        .and.include(WEBHOOK_ENV);
    });

    it('an unknown flag is a usage error (exit 2)', async () => {
      const { output } = await capture('stderr', () => run(['--nope']));
      expect(process.exitCode).to.equal(2);
      expect(output).to.match(/^Error: Unknown option '--nope'.*\nHint: See `soulrecall notify test --help`\.\n$/);
    });
  });
});
