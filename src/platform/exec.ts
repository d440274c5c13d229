/** Subprocesses with argument arrays and a hard time bound; never a shell, never a throw. */
import type { ExecOptions, ExecResult } from './env.js'

export async function execFile(file: string, args: string[], o: ExecOptions): Promise<ExecResult> {
  const { execa } = await import('execa')
  const started = performance.now()
  const result = await execa(file, args, {
    timeout: o.timeoutMs,
    cancelSignal: o.signal,
    env: o.env as NodeJS.ProcessEnv | undefined,
    extendEnv: o.env === undefined,
    reject: false,
    stdin: 'ignore',
    stripFinalNewline: false,
    forceKillAfterDelay: 500,
    maxBuffer: 4 * 1024 * 1024,
  })
  const code = (result as { code?: string }).code
  return {
    exitCode: result.exitCode ?? null,
    stdout: typeof result.stdout === 'string' ? result.stdout : '',
    stderr: typeof result.stderr === 'string' ? result.stderr : '',
    timedOut: result.timedOut === true,
    notFound: code === 'ENOENT' || code === 'EACCES',
    durationMs: Math.round(performance.now() - started),
  }
}
