import { ExitCode, SoulrecallError } from '../errors.js';

/** A configuration problem, located in the file (and line, when the file has one for it). */
export class ConfigError extends SoulrecallError {
  constructor(code: string, file: string, line: number | undefined, message: string, hint: string) {
    super(`${line === undefined ? file : `${file}:${line}`}: ${message}`, {
      code,
      exitCode: ExitCode.Config,
      hint,
      details: { file, line },
    });
    this.name = 'ConfigError';
  }
}
