/**
 * The exec credential plugin a context runs, with the user entry and file that hold it, and the
 * command line kubectl really starts: client-go execs `command` as one file name (a whole command
 * line in it is looked up as a file called "aws eks get-token ..."), with `args` as its arguments.
 */
import { parseExecBlock, type ExecInfo, type KubeconfigView } from './kubeconfig.js'

/** A context's exec entry as kubectl resolves it (first file to define the user wins). */
export interface ExecEntry {
  context: string
  user: string
  /** The file whose user entry kubectl uses. */
  file: string
  exec: ExecInfo
}

export function execEntryOf(view: KubeconfigView, context: string): ExecEntry | undefined {
  const user = view.contexts.get(context)?.value.user
  if (typeof user !== 'string') return undefined
  const entry = view.users.get(user)
  const block = entry?.value.exec
  const exec = entry && typeof block === 'object' && block !== null && !Array.isArray(block) ? parseExecBlock(block as Record<string, unknown>) : undefined
  return entry && exec ? { context, user, file: entry.file, exec } : undefined
}

/** Words of a command line as a shell splits them: quotes, and on POSIX backslash escapes (Windows paths keep theirs); no expansion. */
export function splitCommandLine(line: string, o: { windows?: boolean } = {}): string[] {
  const escapes = !o.windows
  const words: string[] = []
  let word = ''
  let inWord = false
  let quote: '"' | "'" | undefined
  for (let i = 0; i < line.length; i++) {
    const c = line[i] as string
    if (quote) {
      if (c === quote) quote = undefined
      else if (escapes && c === '\\' && quote === '"' && i + 1 < line.length) word += line[++i]
      else word += c
    } else if (c === '"' || c === "'") {
      quote = c
      inWord = true
    } else if (escapes && c === '\\' && i + 1 < line.length) {
      word += line[++i]
      inWord = true
    } else if (/\s/.test(c)) {
      if (inWord) words.push(word)
      word = ''
      inWord = false
    } else {
      word += c
      inWord = true
    }
  }
  if (inWord) words.push(word)
  return words
}

/** Whether a command names a file by path (kubectl runs it as is) rather than a name looked up on PATH. */
export function isPathCommand(command: string): boolean {
  return command.includes('/') || command.includes('\\')
}
