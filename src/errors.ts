/** Errors that end a command with one clear line and a chosen exit code, never a stack trace. */
import { EXIT_USAGE } from './engine/types.js'

export class CliError extends Error {
  constructor(
    readonly code: string,
    message: string,
    readonly exitCode: number = EXIT_USAGE,
  ) {
    super(message)
    this.name = 'CliError'
  }
}

/** Bad input: exit 2. */
export function usageError(code: string, message: string): CliError {
  return new CliError(code, message, EXIT_USAGE)
}
