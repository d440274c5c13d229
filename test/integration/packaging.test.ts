/**
 * The CLI as its users meet it: a mistyped command outside a terminal gets the closest one and exit
 * 2; `eksdoctor help` and shell completion are there; kubectl finds it as a plugin by the
 * kubectl-eksdoctor bin the package declares (kubectl's convention: an executable named
 * kubectl-<name> on PATH), and the real kubectl runs it.
 */
import { spawnSync } from 'node:child_process'
import { mkdtempSync, readFileSync, symlinkSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { dirname, join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { BIN, ROOT, cleanEnv, runCli } from '../helpers/run-cli.js'

describe('the CLI in its ecosystem', () => {
  it('a mistyped command: the closest command in one line, exit 2', async () => {
    const run = await runCli(['chekc', '--cluster', 'x'])
    expect(run.exitCode).toBe(2)
    expect(run.stderr).toContain('chekc is not an eksdoctor command; did you mean eksdoctor check?')
    expect(run.stderr).not.toMatch(/\n\s+at /)
  })

  it('eksdoctor help lists the commands, autocomplete among them', async () => {
    const run = await runCli(['help'])
    expect(run.exitCode).toBe(0)
    for (const command of ['check', 'audit', 'kubeconfig', 'token', 'explain', 'autocomplete']) expect(run.stdout).toMatch(new RegExp(`^  ${command}\\b`, 'm'))
  })

  it('package.json declares the kubectl plugin bin, and the real kubectl runs it as kubectl eksdoctor', () => {
    const pkg = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { bin: Record<string, string>; main?: string; license: string }
    expect(pkg.bin['kubectl-eksdoctor']).toBe(pkg.bin.eksdoctor)
    expect(pkg.main).toBeUndefined()
    expect(readFileSync(join(ROOT, 'LICENSE'), 'utf8')).toMatch(new RegExp(`^${pkg.license} License`))
    // As npm links a global install's bins: kubectl-eksdoctor on PATH, pointing at bin/run.js.
    const dir = mkdtempSync(join(tmpdir(), 'eksdoctor-plugin-'))
    symlinkSync(BIN, join(dir, 'kubectl-eksdoctor'))
    const env = { ...cleanEnv(), PATH: [dir, dirname(process.execPath), process.env.PATH].join(':'), KUBECONFIG: '/dev/null' }
    const version = spawnSync('kubectl', ['eksdoctor', '--version'], { env, encoding: 'utf8', timeout: 30_000 })
    expect(version.status, version.stderr).toBe(0)
    expect(version.stdout).toMatch(/^eksdoctor\/\d+\.\d+\.\d+ /)
    const plugins = spawnSync('kubectl', ['plugin', 'list'], { env, encoding: 'utf8', timeout: 30_000 })
    expect(plugins.stdout).toContain(join(dir, 'kubectl-eksdoctor'))
  })
})
