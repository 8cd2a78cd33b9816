/**
 * What `open` returns, or undefined when the file is not there (ENOENT): a canister that has
 * never been persisted has no files, and that is not an error. Any other error is thrown.
 */
export function unlessMissing<T>(open: () => T): T | undefined {
  try {
    return open();
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw error;
  }
}
