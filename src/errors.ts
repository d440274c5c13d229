/** Errors that end a command with one clear line and a chosen exit code, never a stack trace. */
import { EXIT_UNEXPECTED, EXIT_USAGE } from './engine/codes.js'

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

/** Any error as one line, a stable code and the exit code it ends the command with. */
export function describeError(error: unknown): { code: string; message: string; exitCode: number } {
  if (error instanceof CliError) return { code: error.code, message: error.message, exitCode: error.exitCode }
  const e = error as { message?: string; name?: string; oclif?: { exit?: number }; code?: string; parse?: unknown; constructor?: { name?: string } }
  // oclif's validation errors open with a generic line and close with a help hint: keep what is between.
  const lines = (e?.message ?? String(error)).split('\n').map((l) => l.trim()).filter((l) => l && !/^The following errors? occurred:?$|^See more help with/.test(l))
  const message = lines.join('; ') || 'unknown error'
  // oclif's flag and argument errors are usage errors.
  if (e?.parse !== undefined || /Parse|Validation|Nonexistent|Unexpected argument|Missing required/i.test(`${e?.constructor?.name} ${e?.name} ${message}`)) {
    return { code: 'USAGE', message, exitCode: EXIT_USAGE }
  }
  return { code: e?.code && /^[A-Z_]+$/.test(e.code) ? e.code : 'UNEXPECTED', message, exitCode: e?.oclif?.exit ?? EXIT_UNEXPECTED }
}
