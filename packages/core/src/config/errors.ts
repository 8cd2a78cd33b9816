import { SoulrecallError, type SoulrecallErrorCode } from '../errors.js';

/** The codes of problems in soulrecall.yaml (they all exit 3). */
export type ConfigErrorCode = Extract<SoulrecallErrorCode, `CONFIG_${string}`>;

/** A configuration problem, located in the file (and line, when the file has one for it). */
export class ConfigError extends SoulrecallError {
  constructor(code: ConfigErrorCode, file: string, line: number | undefined, message: string, hint: string) {
    super(`${line === undefined ? file : `${file}:${line}`}: ${message}`, {
      code,
      hint,
      details: { file, line },
    });
    this.name = 'ConfigError';
  }
}
