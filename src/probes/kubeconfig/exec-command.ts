/**
 * kubeconfig.exec-command — the exec entry's `command` is one program, its words in `args`.
 * client-go execs `command` as a single file name, so `command: aws eks get-token --cluster-name x`
 * looks for a program called "aws eks get-token --cluster-name x" and kubectl fails with
 * `getting credentials: exec: executable aws eks get-token --cluster-name x not found`. A path
 * with spaces that exists (C:\Program Files\...) is a program and fine.
 * Evidence: each entry's command, and the program and args it should be.
 * Fix: the absolute path of the program in `command`, the other words before the old args
 * (`kubectl config set-credentials --exec-command --exec-arg`, and the YAML lines).
 */
import { defineProbe } from '../../engine/types.js'
import { buildExecCommandLineFix } from '../../fixes/kubeconfig.js'
import { isPathCommand, splitCommandLine, type ExecEntry } from '../../kube/exec-entries.js'
import type { ProbeEnv } from '../../platform/env.js'
import { entryLabel, execEntriesInScope } from './scope.js'

/** The program a word names: itself when it is a path that exists, its PATH match for a name. */
async function resolveProgram(env: ProbeEnv, word: string): Promise<string | undefined> {
  if (isPathCommand(word)) return (await env.fs.stat(word)) ? word : undefined
  return env.which(word)
}

interface Split {
  entry: ExecEntry
  program: string
  found: boolean
  args: string[]
}

/** How a command line splits into the program and its words: the shortest prefix that names a program. */
async function splitEntry(env: ProbeEnv, entry: ExecEntry): Promise<Split | undefined> {
  const command = entry.exec.command
  if (!/\s/.test(command.trim()) || (await resolveProgram(env, command))) return undefined
  const words = splitCommandLine(command, { windows: env.platform === 'win32' })
  for (let k = 1; k <= words.length; k++) {
    const program = await resolveProgram(env, words.slice(0, k).join(' '))
    if (program) return { entry, program, found: true, args: [...words.slice(k), ...entry.exec.args] }
  }
  return { entry, program: words[0] ?? command, found: false, args: [...words.slice(1), ...entry.exec.args] }
}

export const execCommandProbe = defineProbe({
  id: 'kubeconfig.exec-command',
  layer: 'kubeconfig',
  title: 'The exec command is one program, its words in args',
  uses: ['kubeconfig.context'],
  applies: (target) => (target.sources.endpoint === '--endpoint' ? 'no kubeconfig context in use: a bare --endpoint is checked without one' : true),
  async run(ctx) {
    const scope = await execEntriesInScope(ctx)
    if ('skip' in scope) return { status: 'skip', detail: scope.skip }
    const splits = (await Promise.all(scope.entries.map((e) => splitEntry(ctx.env, e)))).filter((s): s is Split => s !== undefined)
    const evidence = {
      entries: scope.entries.map((e) => {
        const s = splits.find((x) => x.entry === e)
        return { context: e.context, user: e.user, file: e.file, command: e.exec.command, args: e.exec.args, ...(s ? { program: s.program, programFound: s.found, splitArgs: s.args } : {}) }
      }),
    }
    if (splits.length === 0) {
      return { status: 'pass', detail: scope.entries.map((e) => `${e.context}: command ${e.exec.command} with ${e.exec.args.length} args`).join('; '), evidence }
    }
    return {
      status: 'fail',
      code: 'EXEC_COMMAND_LINE',
      category: 'kubeconfig',
      detail: splits
        .map(
          (s) =>
            `${entryLabel(s.entry)} has the whole command line "${s.entry.exec.command}" in command: kubectl fails with \`exec: executable ${s.entry.exec.command} not found\`; it should run ${s.program}${s.found ? '' : ' (not on PATH either)'} with the other words as args`,
        )
        .join('; '),
      evidence,
      fixes: splits.map((s) =>
        buildExecCommandLineFix({ file: s.entry.file, user: s.entry.user, command: s.program, args: s.args, written: s.entry.exec.command, platform: ctx.env.platform }),
      ),
    }
  },
})
