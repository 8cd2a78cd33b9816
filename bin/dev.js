#!/usr/bin/env -S node --import tsx --no-warnings
// Runs the CLI from TypeScript sources (root commands only; plugins load from their dist).
import { execute } from '@oclif/core';

await execute({ development: true, dir: import.meta.url });
