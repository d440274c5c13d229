/** Run the built CLI (bin/run.js) as a user would, with a clean, bounded environment. */
import { spawn } from 'node:child_process'
import { mkdtempSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join, resolve } from 'node:path'

export const ROOT = resolve(import.meta.dirname, '..', '..')
export const BIN = join(ROOT, 'bin', 'run.js')

/** What one CLI run printed and how it ended. */
export interface CliRun {
  exitCode: number | null
  stdout: string
  stderr: string
  /** stdout parsed, when it is JSON. */
  json?: any
}

/** An environment with no user state: a fresh HOME, no AWS or proxy variables, no instance metadata. */
export function cleanEnv(extra: Record<string, string | undefined> = {}): Record<string, string> {
  const home = mkdtempSync(join(tmpdir(), 'eksdoctor-home-'))
  const base: Record<string, string | undefined> = {
    PATH: process.env.PATH,
    HOME: home,
    LANG: 'C.UTF-8',
    CI: '1',
    NO_COLOR: '1',
    // Never let the SDK's credential chain reach for instance metadata from a test.
    AWS_EC2_METADATA_DISABLED: 'true',
    AWS_CONFIG_FILE: join(home, '.aws', 'config'),
    AWS_SHARED_CREDENTIALS_FILE: join(home, '.aws', 'credentials'),
    ...extra,
  }
  return Object.fromEntries(Object.entries(base).filter((e): e is [string, string] => e[1] !== undefined))
}

export function runCli(args: string[], o: { env?: Record<string, string>; timeoutMs?: number; node?: string } = {}): Promise<CliRun> {
  return new Promise((done, fail) => {
    const child = spawn(o.node ?? process.execPath, [BIN, ...args], { env: o.env ?? cleanEnv(), stdio: ['ignore', 'pipe', 'pipe'] })
    let stdout = ''
    let stderr = ''
    child.stdout.on('data', (chunk) => (stdout += chunk))
    child.stderr.on('data', (chunk) => (stderr += chunk))
    const timer = setTimeout(() => {
      child.kill('SIGKILL')
      fail(new Error(`eksdoctor ${args.join(' ')} did not finish within ${o.timeoutMs ?? 30_000} ms\n${stdout}\n${stderr}`))
    }, o.timeoutMs ?? 30_000)
    child.on('error', fail)
    child.on('close', (exitCode) => {
      clearTimeout(timer)
      let json: unknown
      try {
        json = JSON.parse(stdout)
      } catch {
        json = undefined
      }
      done({ exitCode, stdout, stderr, json })
    })
  })
}
