import { Args, Flags } from '@oclif/core';

/** Arguments and flags every `bluegreen` command shares. */
export const agentArg = {
  agent: Args.string({ description: 'Agent (as named under `agents:` in soulrecall.yaml).', required: true }),
};

export const environmentFlag = {
  env: Flags.string({ char: 'e', aliases: ['network'], summary: 'Environment (name or alias) whose blue and green canisters to use.', required: true }),
};

export const yesFlag = {
  yes: Flags.boolean({ char: 'y', summary: 'Confirm without asking in a protected environment.', default: false }),
};
