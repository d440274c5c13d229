/** check --all: every cluster of the regions, one row each, a JSON array, the first failure's exit code. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { startApiServer, type ApiServer } from '../helpers/api-server.js'
import { startFakeEks, type FakeEks } from '../helpers/fake-eks.js'
import { findClosedPort } from '../helpers/fault-servers.js'
import { motoEnv, startMoto, type Moto } from '../helpers/moto.js'
import { createCa, createTempDir, issueServerCert, removeTempDir } from '../helpers/pki.js'
import { cleanEnv, runCli } from '../helpers/run-cli.js'

let moto: Moto
let eks: FakeEks
let api: ApiServer
let dir: string

beforeAll(async () => {
  dir = createTempDir()
  const ca = createCa(dir)
  const leaf = issueServerCert(ca, { commonName: 'kube-apiserver', dnsNames: ['kubernetes'], ipAddresses: ['127.0.0.1'] })
  ;[moto, api] = await Promise.all([startMoto(), startApiServer({ cert: leaf.certPem, key: leaf.keyPem })])
  const closed = await findClosedPort()
  eks = await startFakeEks([
    { name: 'alpha', endpoint: api.url, caPem: ca.certPem },
    { name: 'bravo', endpoint: `https://127.0.0.1:${closed}`, caPem: ca.certPem },
    { name: 'charlie', endpoint: api.url, caPem: ca.certPem, endpointPublicAccess: true },
  ])
}, 60_000)

afterAll(async () => {
  await Promise.all([moto?.stop(), eks?.close(), api?.close()])
  removeTempDir(dir)
})

const env = () => cleanEnv({ ...motoEnv(moto), AWS_ENDPOINT_URL_EKS: eks.url })

describe('check --all', () => {
  it('prints one JSON report per cluster of every region, in listing order', async () => {
    const run = await runCli(['check', '--all', '--regions', 'eu-west-1,us-east-2', '--concurrency', '2', '--json'], { env: env() })
    expect(Array.isArray(run.json)).toBe(true)
    expect(run.json.map((r: any) => `${r.target.region}/${r.target.cluster}`)).toEqual([
      'eu-west-1/alpha',
      'eu-west-1/bravo',
      'eu-west-1/charlie',
      'us-east-2/alpha',
      'us-east-2/bravo',
      'us-east-2/charlie',
    ])
    expect(run.json.map((r: any) => r.verdict.status)).toEqual(['ok', 'fail', 'warn', 'ok', 'fail', 'warn'])
    expect(run.json[1].verdict.rootCause).toBe('network.tcp-connect')
    expect(run.exitCode).toBe(21)
  })

  it('prints a row per cluster as text', async () => {
    const run = await runCli(['check', '--all', '--region', 'eu-west-1'], { env: env() })
    const rows = run.stdout.trim().split('\n')
    expect(rows[0]).toMatch(/^✔ alpha \(eu-west-1\)\s+ok\s+Every link works/)
    expect(rows[1]).toMatch(/^✖ bravo \(eu-west-1\)\s+routing\?\s+TCP to 127\.0\.0\.1:\d+ is refused/)
    expect(rows[2]).toMatch(/^⚠ charlie \(eu-west-1\)\s+warn\s+/)
    expect(rows.at(-1)).toBe('3 clusters: 2 reachable, 1 failing')
  })

  it('refuses --all with a single target', async () => {
    const run = await runCli(['check', '--all', '--cluster', 'alpha', '--region', 'eu-west-1'], { env: env() })
    expect(run.exitCode).toBe(2)
    expect(run.stderr).toMatch(/--all checks every cluster/)
  })
})
