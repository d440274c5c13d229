import { describe, expect, it } from 'vitest'
import { toolsProbe } from '../../../../src/probes/env/tools.js'
import { FIXED_NOW, fakeEnv, runProbe, type ScriptedCall } from '../../../helpers/fake-env.js'

const kubectlJson = (version: string) =>
  JSON.stringify(
    {
      clientVersion: { major: '1', minor: version.split('.')[1], gitVersion: version, goVersion: 'go1.22.8', platform: 'linux/amd64' },
      kustomizeVersion: 'v5.4.2',
    },
    null,
    2,
  )

describe('env.tools', () => {
  it('passes and records every tool with its version', async () => {
    const env = fakeEnv({
      which: { kubectl: '/usr/local/bin/kubectl', aws: '/usr/local/bin/aws', tailscale: '/usr/bin/tailscale', dig: '/usr/bin/dig' },
      exec: [
        { file: '/usr/local/bin/kubectl', args: ['version', '--client', '-o', 'json'], stdout: kubectlJson('v1.31.2') },
        { file: 'aws', args: ['--version'], stdout: 'aws-cli/2.17.20 Python/3.11.9 Linux/6.8.0-40-generic exe/x86_64.ubuntu.24\n' },
        { file: 'tailscale', args: ['version'], stdout: '1.76.1\n  tailscale commit: 6f4d1b2a3e\n  go version: go1.23.1\n' },
        // dig -v writes its banner to stderr.
        { file: 'dig', args: ['-v'], stderr: 'DiG 9.18.28-0ubuntu0.24.04.1-Ubuntu\n' },
      ],
    })
    const outcome = await runProbe(toolsProbe, { env })
    expect(outcome.status).toBe('pass')
    expect(outcome.code).toBeUndefined()
    expect(outcome.evidence?.tools).toEqual({
      // The Go release too: kubectl's TLS ClientHello follows it.
      kubectl: { path: '/usr/local/bin/kubectl', version: 'v1.31.2', goVersion: 'go1.22.8' },
      aws: { path: '/usr/local/bin/aws', version: '2.17.20' },
      tailscale: { path: '/usr/bin/tailscale', version: '1.76.1', goVersion: 'go1.23.1' },
      dig: { path: '/usr/bin/dig', version: '9.18.28-0ubuntu0.24.04.1-Ubuntu' },
    })
    expect(outcome.detail).toContain('kubectl v1.31.2')
    expect(outcome.detail).not.toContain('not found')
    // Every run is bounded.
    for (const call of env.script.calls) expect(call.options.timeoutMs).toBeGreaterThan(0)
  })

  it('asks kubectl for its version with no kubeconfig, so a version dispatcher never calls a dead cluster', async () => {
    for (const [platform, devnull] of [['linux', '/dev/null'], ['win32', 'NUL']] as const) {
      const env = fakeEnv({
        platform,
        vars: { PATH: '/usr/bin', KUBECONFIG: '/home/op/.kube/prod' },
        which: { kubectl: '/usr/bin/kubectl' },
        exec: [{ file: '/usr/bin/kubectl', args: ['version', '--client', '-o', 'json'], stdout: kubectlJson('v1.32.4-dispatcher') }],
      })
      const outcome = await runProbe(toolsProbe, { env })
      expect(outcome.evidence?.tools).toMatchObject({ kubectl: { version: 'v1.32.4-dispatcher' } })
      expect(env.script.calls[0]?.options.env).toEqual({ PATH: '/usr/bin', KUBECONFIG: devnull })
    }
  })

  it('warns with TOOL_MISSING when kubectl is not on PATH, and names what is missing', async () => {
    const env = fakeEnv({
      platform: 'darwin',
      which: { aws: '/opt/homebrew/bin/aws', tailscale: '/Applications/Tailscale.app/Contents/MacOS/Tailscale' },
      exec: [
        { file: 'aws', args: ['--version'], stdout: 'aws-cli/2.22.1 Python/3.12.6 Darwin/24.1.0 exe/arm64\n' },
        { file: /Tailscale\.app/, args: ['version'], stdout: '1.78.1\n  tailscale commit: 0c8abb3\n' },
      ],
    })
    const outcome = await runProbe(toolsProbe, { env })
    expect(outcome).toMatchObject({ status: 'warn', code: 'TOOL_MISSING' })
    expect(outcome.detail).toMatch(/^kubectl is not on PATH/)
    expect(outcome.detail).toContain('not found: kubectl, dig')
    expect(outcome.detail).toContain('aws 2.22.1')
    expect(outcome.evidence?.tools).toMatchObject({
      kubectl: { path: null, version: null },
      tailscale: { path: '/Applications/Tailscale.app/Contents/MacOS/Tailscale', version: '1.78.1' },
      dig: { path: null, version: null },
    })
  })

  it('runs nothing when no tool is installed', async () => {
    const env = fakeEnv({ which: {} })
    const outcome = await runProbe(toolsProbe, { env })
    expect(outcome).toMatchObject({ status: 'warn', code: 'TOOL_MISSING' })
    expect(outcome.detail).toContain('none of kubectl, aws, tailscale, dig found')
    expect(env.script.calls).toEqual([])
  })

  it('keeps a tool whose version cannot be read, as version unknown', async () => {
    const calls: ScriptedCall[] = [
      { file: 'kubectl', args: ['version', '--client', '-o', 'json'], exitCode: 1, stderr: 'error: unknown flag: --client\n' },
    ]
    const env = fakeEnv({ which: { kubectl: '/usr/bin/kubectl' }, exec: calls })
    const outcome = await runProbe(toolsProbe, { env })
    expect(outcome.status).toBe('pass')
    expect(outcome.evidence?.tools).toMatchObject({ kubectl: { path: '/usr/bin/kubectl', version: null } })
    expect(outcome.detail).toContain('kubectl (version unknown)')
  })

  describe('version cache (per binary path, size and mtime, for a day)', () => {
    const KUBECTL = '/usr/local/bin/kubectl'
    const STAT = { size: 56_000_123, mtimeMs: 1_790_000_000_000 }
    const KEY = `${KUBECTL}|${STAT.size}|${STAT.mtimeMs}`
    const runKubectl: ScriptedCall = { file: KUBECTL, args: ['version', '--client', '-o', 'json'], stdout: kubectlJson('v1.32.1') }

    it('remembers a version it had to run the tool for', async () => {
      const env = fakeEnv({ which: { kubectl: KUBECTL }, stats: { [KUBECTL]: STAT }, exec: [runKubectl] })
      const outcome = await runProbe(toolsProbe, { env })
      expect(outcome.evidence?.tools).toMatchObject({ kubectl: { version: 'v1.32.1' } })
      expect(env.record.cacheWrites).toEqual([{ name: 'tool-versions', value: { kubectl: { key: KEY, version: 'v1.32.1', goVersion: 'go1.22.8', at: FIXED_NOW } } }])
    })

    it('does not run an unchanged binary again within a day', async () => {
      const env = fakeEnv({
        which: { kubectl: KUBECTL },
        stats: { [KUBECTL]: STAT },
        cache: { 'tool-versions': { kubectl: { key: KEY, version: 'v1.31.9', at: FIXED_NOW - 3_600_000 } } },
      })
      const outcome = await runProbe(toolsProbe, { env })
      expect(outcome.evidence?.tools).toMatchObject({ kubectl: { path: KUBECTL, version: 'v1.31.9' } })
      expect(env.script.calls).toEqual([])
      expect(env.record.cacheWrites).toEqual([])
    })

    it.each([
      ['the binary changed', { key: `${KUBECTL}|1|2`, version: 'v1.29.0', at: FIXED_NOW - 1000 }],
      ['the entry is older than a day', { key: KEY, version: 'v1.29.0', at: FIXED_NOW - 25 * 3_600_000 }],
    ])('runs the tool again when %s', async (_why, entry) => {
      const env = fakeEnv({ which: { kubectl: KUBECTL }, stats: { [KUBECTL]: STAT }, cache: { 'tool-versions': { kubectl: entry } }, exec: [runKubectl] })
      const outcome = await runProbe(toolsProbe, { env })
      expect(outcome.evidence?.tools).toMatchObject({ kubectl: { version: 'v1.32.1' } })
      expect(env.record.cacheWrites.at(-1)?.value).toEqual({ kubectl: { key: KEY, version: 'v1.32.1', goVersion: 'go1.22.8', at: FIXED_NOW } })
    })
  })
})
