import { describe, expect, it } from 'vitest'
import { tailscaleProbe } from '../../../../src/probes/routing/tailscale.js'
import type { TailscaleState } from '../../../../src/probes/routing/tailscale.js'
import { fakeEnv, readFixture, runProbe, type ScriptedCall } from '../../../helpers/fake-env.js'

/** Real `tailscale status --json` and `tailscale debug prefs` outputs (test/fixtures/SOURCES.md). */
const LINUX_STATUS = readFixture('tailscale-status/linux-1.76.1.json')
const IOS_HEADSCALE_STATUS = readFixture('tailscale-status/ios-1.48.1-headscale.json')
const WINDOWS_STATUS = readFixture('tailscale-status/windows-1.102.4.json')
const GNOME_PREFS = readFixture('tailscale-prefs/linux-gnome-excerpt.json')
const GLINET_PREFS = readFixture('tailscale-prefs/glinet-router-excerpt.json')

/** A fixture with one top-level field replaced. */
function withField(json: string, field: string, value: unknown): string {
  return JSON.stringify({ ...(JSON.parse(json) as object), [field]: value })
}

function calls(path: string, status: Partial<ScriptedCall>, prefs: Partial<ScriptedCall>): ScriptedCall[] {
  return [
    { file: path, args: ['status', '--json'], ...status },
    { file: path, args: ['debug', 'prefs'], ...prefs },
  ]
}

describe('routing.tailscale', () => {
  it('passes for a running client, with its version and accept-routes from the prefs', async () => {
    const env = fakeEnv({
      which: { tailscale: '/usr/bin/tailscale' },
      exec: calls('/usr/bin/tailscale', { stdout: LINUX_STATUS }, { stdout: GNOME_PREFS }),
    })
    const outcome = await runProbe(tailscaleProbe, { env })
    expect(outcome.status).toBe('pass')
    expect(outcome.detail).toBe('Tailscale 1.76.1 is Running; 0 subnet routers in the tailnet; accept-routes on')
    expect(outcome.evidence).toMatchObject({ path: '/usr/bin/tailscale', version: '1.76.1-ERR-BuildInfo', backendState: 'Running', acceptRoutes: true, subnetRouters: [] })
    const state = outcome.data as TailscaleState
    expect(state.status?.peers.map((p) => p.hostName)).toEqual(['iStoreOS'])
    expect(state.prefs?.routeAll).toBe(true)
  })

  it('lists the subnet routers of the tailnet (a headscale router with PrimaryRoutes)', async () => {
    const env = fakeEnv({
      platform: 'darwin',
      which: { tailscale: '/Applications/Tailscale.app/Contents/MacOS/Tailscale' },
      exec: calls('/Applications/Tailscale.app/Contents/MacOS/Tailscale', { stdout: IOS_HEADSCALE_STATUS }, { stdout: GLINET_PREFS }),
    })
    const outcome = await runProbe(tailscaleProbe, { env })
    expect(outcome.status).toBe('pass')
    expect(outcome.detail).toContain('Tailscale 1.48.1 is Running; 1 subnet router in the tailnet')
    expect(outcome.evidence?.subnetRouters).toEqual([
      {
        host: 'headscale-848499b648-cqpgx',
        dnsName: 'headscale-848499b648-cqpgx.default.example.com',
        online: true,
        primaryRoutes: ['192.168.50.210/32'],
        allowedIPs: [],
      },
    ])
  })

  it.each([
    'Some peers are advertising routes but --accept-routes is false',
    'Some peers are advertising routes but --accept-routes is disabled (legacy default). To fix that, run tailscale set --accept-routes. See https://tailscale.com/s/accept-routes',
  ])('reads accept-routes off from the health warning when the prefs cannot be read: %s', async (warning) => {
    const env = fakeEnv({
      platform: 'win32',
      which: { tailscale: 'C:\\Program Files\\Tailscale\\tailscale.exe' },
      exec: calls(
        'C:\\Program Files\\Tailscale\\tailscale.exe',
        { stdout: withField(WINDOWS_STATUS, 'Health', [warning]) },
        { exitCode: 1, stderr: 'Access denied: prefs read access denied\n' },
      ),
    })
    const outcome = await runProbe(tailscaleProbe, { env })
    expect(outcome.status).toBe('pass')
    expect(outcome.detail).toContain('Tailscale 1.102.4 is Running')
    expect(outcome.detail).toContain('accept-routes off')
    expect(outcome.evidence).toMatchObject({ acceptRoutes: false, health: [warning] })
  })

  it.each(['Stopped', 'NeedsLogin'])('warns VPN_NOT_RUNNING when the backend is %s', async (state) => {
    const env = fakeEnv({
      which: { tailscale: '/usr/bin/tailscale' },
      exec: calls('/usr/bin/tailscale', { stdout: withField(LINUX_STATUS, 'BackendState', state) }, { stdout: GNOME_PREFS }),
    })
    const outcome = await runProbe(tailscaleProbe, { env })
    expect(outcome).toMatchObject({ status: 'warn', code: 'VPN_NOT_RUNNING', detail: `Tailscale is ${state}, not Running` })
    expect((outcome.data as TailscaleState).status?.backendState).toBe(state)
  })

  it('warns VPN_NOT_RUNNING when tailscaled does not answer, with its message', async () => {
    const message = "failed to connect to local tailscaled; it doesn't appear to be running (sudo systemctl start tailscaled ?)"
    const env = fakeEnv({
      which: { tailscale: '/usr/bin/tailscale' },
      exec: calls('/usr/bin/tailscale', { exitCode: 1, stderr: `${message}\n` }, { exitCode: 1, stderr: `${message}\n` }),
    })
    const outcome = await runProbe(tailscaleProbe, { env })
    expect(outcome).toMatchObject({ status: 'warn', code: 'VPN_NOT_RUNNING' })
    expect(outcome.detail).toBe(`tailscale status failed: ${message}`)
    expect(outcome.data).toEqual({ path: '/usr/bin/tailscale', error: message })
  })

  it('warns when tailscale status hangs past its bound', async () => {
    const env = fakeEnv({
      which: { tailscale: '/usr/bin/tailscale' },
      exec: calls('/usr/bin/tailscale', { timedOut: true }, { timedOut: true }),
    })
    const outcome = await runProbe(tailscaleProbe, { env })
    expect(outcome).toMatchObject({ status: 'warn', code: 'VPN_NOT_RUNNING' })
    expect(outcome.detail).toContain('did not answer within 4 s')
    for (const call of env.script.calls) expect(call.options.timeoutMs).toBe(4000)
  })

  it('warns when the status is not JSON', async () => {
    const env = fakeEnv({
      which: { tailscale: '/usr/bin/tailscale' },
      exec: calls('/usr/bin/tailscale', { stdout: 'Logged out.\n' }, { stdout: GNOME_PREFS }),
    })
    const outcome = await runProbe(tailscaleProbe, { env })
    expect(outcome.status).toBe('warn')
    expect(outcome.detail).toContain('could not read tailscale status')
    expect((outcome.data as TailscaleState).error).toContain('not JSON')
  })

  it('skips with TOOL_MISSING when tailscale is not installed, running nothing', async () => {
    const env = fakeEnv()
    const outcome = await runProbe(tailscaleProbe, { env })
    expect(outcome).toMatchObject({ status: 'skip', code: 'TOOL_MISSING' })
    expect(env.script.calls).toEqual([])
  })
})
