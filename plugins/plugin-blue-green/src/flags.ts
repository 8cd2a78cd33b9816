import { Args } from '@oclif/core';
import { environmentFlag, yesFlag } from '@soulrecall/core';

/** Arguments and flags every `bluegreen` command shares. */
export const agentArg = {
  agent: Args.string({ description: 'Agent (as named under `agents:` in soulrecall.yaml).', required: true }),
};

export const bluegreenEnvironmentFlag = {
  env: environmentFlag('Environment (name or alias) whose blue and green canisters to use.', { required: true }),
};

export const bluegreenYesFlag = {
  yes: yesFlag('Confirm without asking in a protected environment.'),
};
