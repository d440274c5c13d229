/**
 * kubeconfig.gui-path — the exec entry runs for apps that do not start from a shell. An app launched
 * from the Dock, Finder or a desktop launcher (Lens, IDEs, dashboards that do not load the shell's
 * environment) gets the session's minimal PATH: on macOS launchd's /usr/bin:/bin:/usr/sbin:/sbin,
 * on Linux the desktop session's (systemd's default). A command found only through a directory the
 * shell profile adds (/opt/homebrew/bin, ~/.local/bin, ~/.asdf/shims) is not found there, or another
 * binary of the same name is; a script whose `#!/usr/bin/env node` interpreter lives only there
 * fails the same way. Windows apps get PATH from the registry, as terminals do.
 * Evidence: each entry's command, where this shell finds it, and whether the GUI PATH does.
 * Fix: the absolute path in `command` (the interpreter's, with the script first in args, for an
 * env shebang).
 */
import { posix } from 'node:path'
import { defineProbe } from '../../engine/types.js'
import { buildGuiPathFix } from '../../fixes/kubeconfig.js'
import { isPathCommand, type ExecEntry } from '../../kube/exec-entries.js'
import type { Platform, ProbeEnv } from '../../platform/env.js'
import { entryLabel, execEntriesInScope } from './scope.js'

/** The PATH an app started outside a shell gets. */
export const GUI_PATH: Partial<Record<Platform, string[]>> = {
  darwin: ['/usr/bin', '/bin', '/usr/sbin', '/sbin'],
  linux: ['/usr/local/sbin', '/usr/local/bin', '/usr/sbin', '/usr/bin', '/sbin', '/bin', '/snap/bin'],
}

/** Scripts are small; a binary this large is not read for a shebang. */
const MAX_SCRIPT_BYTES = 512 * 1024

async function onGuiPath(env: ProbeEnv, name: string, dirs: string[]): Promise<string | undefined> {
  for (const dir of dirs) if (await env.fs.stat(posix.join(dir, name))) return posix.join(dir, name)
  return undefined
}

/** `#!/usr/bin/env node` → node; an absolute interpreter needs no PATH. */
async function envInterpreter(env: ProbeEnv, path: string): Promise<string | undefined> {
  const info = await env.fs.stat(path)
  if (!info || info.size > MAX_SCRIPT_BYTES) return undefined
  const first = (await env.fs.readText(path))?.split('\n', 1)[0] ?? ''
  const m = /^#!\s*\/usr\/bin\/env\s+(?:-S\s+)?([^\s-][^\s]*)/.exec(first)
  return m?.[1]
}

interface Finding {
  entry: ExecEntry
  problem: string
  command: string
  args?: string[]
  found: string
}

async function judge(env: ProbeEnv, entry: ExecEntry, dirs: string[]): Promise<Finding | undefined> {
  const command = entry.exec.command
  let program = command
  if (!isPathCommand(command)) {
    const shell = await env.which(command)
    if (!shell) return undefined // not on PATH at all: kubeconfig.context says so
    program = shell
    const gui = await onGuiPath(env, command, dirs)
    if (!gui) return { entry, problem: `its command ${command} is ${shell} only through your shell's PATH, so kubectl there fails with \`exec: executable ${command} not found\``, command: shell, found: command }
    if (gui !== shell) return { entry, problem: `its command ${command} is ${shell} in your shell but ${gui} there, another binary`, command: shell, found: command }
  }
  const interpreter = await envInterpreter(env, program)
  if (!interpreter || (await onGuiPath(env, interpreter, dirs))) return undefined
  const interpreterPath = await env.which(interpreter)
  if (!interpreterPath) return undefined
  return {
    entry,
    problem: `its command ${program} starts with #!/usr/bin/env ${interpreter}, and ${interpreter} is ${interpreterPath}, not on that PATH, so kubectl there fails with \`exec: executable ${command} failed with exit code 127\``,
    command: interpreterPath,
    args: [program, ...entry.exec.args],
    found: interpreter,
  }
}

export const guiPathProbe = defineProbe({
  id: 'kubeconfig.gui-path',
  layer: 'kubeconfig',
  title: 'The exec command runs for apps started outside a shell',
  uses: ['kubeconfig.context'],
  applies: (target) => (target.sources.endpoint === '--endpoint' ? 'no kubeconfig context in use: a bare --endpoint is checked without one' : true),
  async run(ctx) {
    const { env } = ctx
    const dirs = GUI_PATH[env.platform]
    if (!dirs) return { status: 'skip', detail: 'Windows apps get PATH from the registry, as terminals do' }
    const scope = await execEntriesInScope(ctx)
    if ('skip' in scope) return { status: 'skip', detail: scope.skip }
    // A whole command line is kubeconfig.exec-command's: there is no program to look for until it is split.
    const entries = (await Promise.all(scope.entries.map(async (e) => (/\s/.test(e.exec.command.trim()) && !(await env.fs.stat(e.exec.command)) ? undefined : e)))).filter((e): e is ExecEntry => e !== undefined)
    if (entries.length === 0) return { status: 'skip', detail: 'the exec command is a whole command line (kubeconfig.exec-command): no program to look for yet' }
    const findings = (await Promise.all(entries.map((e) => judge(env, e, dirs)))).filter((f): f is Finding => f !== undefined)
    const evidence = { guiPath: dirs.join(':'), entries: entries.map((e) => ({ context: e.context, user: e.user, file: e.file, command: e.exec.command, problem: findings.find((f) => f.entry === e)?.problem ?? null })) }
    if (findings.length === 0) return { status: 'pass', detail: `${entries.map((e) => e.exec.command).join(', ')} ${entries.length > 1 ? 'run' : 'runs'} with the PATH apps get outside a shell (${dirs.join(':')})`, evidence }
    return {
      status: 'warn',
      code: 'EXEC_NOT_ON_GUI_PATH',
      detail: `apps started from the ${env.platform === 'darwin' ? 'Dock or Finder' : 'desktop'} without your shell's environment (Lens, IDEs) get PATH=${dirs.join(':')}: ${findings.map((f) => `${entryLabel(f.entry)}: ${f.problem}`).join('; ')}`,
      evidence,
      fixes: findings.map((f) =>
        buildGuiPathFix({ file: f.entry.file, user: f.entry.user, command: f.command, ...(f.args ? { args: f.args } : {}), found: f.found, guiPath: dirs.join(':'), platform: env.platform }),
      ),
    }
  },
})
