/**
 * The real CLI against real loopback servers: a TLS API server with a CA made for this run,
 * and each fault the network path can show from here.
 */
import { writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { startApiServer, type ApiServer } from '../helpers/api-server.js'
import { findClosedPort, startSilentServer, type SilentServer } from '../helpers/fault-servers.js'
import { createCa, createTempDir, issueServerCert, removeTempDir, type Ca, type KeyPair } from '../helpers/pki.js'
import { cleanEnv, runCli } from '../helpers/run-cli.js'

let dir: string
let ca: Ca
let otherCa: Ca
let leaf: KeyPair
const servers: { close(): Promise<void> }[] = []

async function serve(opts: Parameters<typeof startApiServer>[0]): Promise<ApiServer> {
  const server = await startApiServer(opts)
  servers.push(server)
  return server
}

function statusOf(json: any, id: string): string | undefined {
  return json.checks.find((c: { id: string }) => c.id === id)?.status
}

beforeAll(() => {
  dir = createTempDir()
  ca = createCa(dir)
  otherCa = createCa(dir, 'kubernetes')
  leaf = issueServerCert(ca, { commonName: 'kube-apiserver', dnsNames: ['kubernetes', 'kubernetes.default.svc'], ipAddresses: ['127.0.0.1'] })
})

afterAll(async () => {
  await Promise.all(servers.map((s) => s.close()))
  removeTempDir(dir)
})

describe('check --endpoint against a loopback API server', () => {
  it('reports ok with every link of the path checked', async () => {
    const server = await serve({ cert: leaf.certPem, key: leaf.keyPem })
    const run = await runCli(['check', '--endpoint', server.url, '--ca-file', ca.certPath, '--json'])
    expect(run.exitCode, run.stderr).toBe(0)
    expect(run.json.schemaVersion).toBe(1)
    expect(run.json.verdict).toMatchObject({ status: 'ok', category: 'ok', confirmed: true })
    for (const id of ['dns.system', 'routing.local-route', 'network.tcp-connect', 'tls.handshake', 'apiserver.readyz']) {
      expect(statusOf(run.json, id), id).toBe('pass')
    }
    const readyz = run.json.checks.find((c: { id: string }) => c.id === 'apiserver.readyz')
    expect(readyz.evidence.responses[0]).toMatchObject({ ip: '127.0.0.1', status: 200 })
    const tls = run.json.checks.find((c: { id: string }) => c.id === 'tls.handshake')
    expect(tls.evidence.handshakes[0].certificate.issuer).toContain('CN=kubernetes')
    expect(server.requests.some((r) => r.path === '/readyz')).toBe(true)
  })

  it('names tls when the certificate is not signed by the CA given', async () => {
    const server = await serve({ cert: leaf.certPem, key: leaf.keyPem })
    const run = await runCli(['check', '--endpoint', server.url, '--ca-file', otherCa.certPath, '--json'])
    expect(run.exitCode).toBe(23)
    expect(run.json.verdict).toMatchObject({ status: 'fail', category: 'tls', rootCause: 'tls.handshake' })
    expect(statusOf(run.json, 'apiserver.readyz')).toBe('skip')
  })

  it('names tls for an expired certificate', async () => {
    const expired = issueServerCert(ca, { commonName: 'kube-apiserver', dnsNames: [], ipAddresses: ['127.0.0.1'], expired: true })
    const server = await serve({ cert: expired.certPem, key: expired.keyPem })
    const run = await runCli(['check', '--endpoint', server.url, '--ca-file', ca.certPath, '--json'])
    expect(run.exitCode).toBe(23)
    expect(run.json.checks.find((c: { id: string }) => c.id === 'tls.handshake').code).toBe('TLS_EXPIRED')
  })

  it('names the cluster when /readyz answers 500', async () => {
    const server = await serve({ cert: leaf.certPem, key: leaf.keyPem, readyz: 'fail-500' })
    const run = await runCli(['check', '--endpoint', server.url, '--ca-file', ca.certPath, '--json'])
    expect(run.exitCode).toBe(11)
    expect(run.json.verdict).toMatchObject({ category: 'cluster', rootCause: 'apiserver.readyz' })
    expect(run.json.verdict.summary).toContain('etcd')
  })

  it('treats 401 on /readyz as reachable', async () => {
    const server = await serve({ cert: leaf.certPem, key: leaf.keyPem, readyz: 'unauthorized-401' })
    const run = await runCli(['check', '--endpoint', server.url, '--ca-file', ca.certPath, '--json'])
    expect(run.exitCode).toBe(0)
    expect(statusOf(run.json, 'apiserver.readyz')).toBe('pass')
  })

  it('bounds a socket that accepts and never answers, and says so', async () => {
    const silent: SilentServer = await startSilentServer()
    servers.push(silent)
    const started = Date.now()
    const run = await runCli(['check', '--endpoint', `https://127.0.0.1:${silent.port}`, '--ca-file', ca.certPath, '--connect-timeout', '1', '--json'])
    expect(Date.now() - started).toBeLessThan(20_000)
    expect(run.exitCode).toBe(21)
    expect(run.json.verdict).toMatchObject({ category: 'routing', rootCause: 'tls.handshake', confirmed: false })
    expect(run.json.verdict.alternatives.length).toBeGreaterThan(0)
    expect(statusOf(run.json, 'network.tcp-connect')).toBe('pass')
  })

  it('names a closed port at the TCP link', async () => {
    const port = await findClosedPort()
    const run = await runCli(['check', '--endpoint', `https://127.0.0.1:${port}`, '--ca-file', ca.certPath, '--json'])
    expect(run.exitCode).toBe(21)
    expect(run.json.verdict).toMatchObject({ category: 'routing', rootCause: 'network.tcp-connect' })
    expect(run.json.checks.find((c: { id: string }) => c.id === 'network.tcp-connect').code).toBe('TCP_REFUSED')
    expect(statusOf(run.json, 'tls.handshake')).toBe('skip')
  })

  it('warns, and still reaches /readyz, without a CA to verify against', async () => {
    const server = await serve({ cert: leaf.certPem, key: leaf.keyPem })
    const run = await runCli(['check', '--endpoint', server.url, '--json'])
    expect(run.exitCode).toBe(0)
    expect(run.json.verdict.status).toBe('warn')
    expect(statusOf(run.json, 'tls.handshake')).toBe('warn')
    expect(statusOf(run.json, 'apiserver.readyz')).toBe('pass')
  })
})

describe('check from a kubeconfig context', () => {
  it('reads server and CA from the current context of merged KUBECONFIG files', async () => {
    const server = await serve({ cert: leaf.certPem, key: leaf.keyPem })
    const first = join(dir, 'first.yaml')
    const second = join(dir, 'second.yaml')
    writeFileSync(first, ['apiVersion: v1', 'kind: Config', 'current-context: loop', 'contexts:', '- name: loop', '  context: {cluster: loop, user: me}', ''].join('\n'))
    writeFileSync(
      second,
      [
        'apiVersion: v1',
        'kind: Config',
        'current-context: ignored',
        'clusters:',
        '- name: loop',
        '  cluster:',
        `    server: ${server.url}`,
        `    certificate-authority-data: ${Buffer.from(ca.certPem).toString('base64')}`,
        'users:',
        '- name: me',
        '  user: {token: not-used}',
        '',
      ].join('\n'),
    )
    const run = await runCli(['check', '--json'], { env: cleanEnv({ KUBECONFIG: `${first}:${second}` }) })
    expect(run.exitCode, run.stdout + run.stderr).toBe(0)
    expect(run.json.target).toMatchObject({ endpoint: server.url, context: 'loop' })
    expect(statusOf(run.json, 'tls.handshake')).toBe('pass')
  })
})

describe('text, markdown and subcommands', () => {
  it('prints the path diagram and the verdict as text', async () => {
    const server = await serve({ cert: leaf.certPem, key: leaf.keyPem })
    const run = await runCli(['check', '--endpoint', server.url, '--ca-file', ca.certPath])
    expect(run.exitCode).toBe(0)
    expect(run.stdout).toMatch(/Path\n {2}✔ workstation → ✔ lo → ✔ 127\.0\.0\.1:\d+ → ✔ TLS → ✔ \/readyz/)
    expect(run.stdout).toContain('Verdict ✔ ok')
  })

  it('renders a markdown report with a checks table and collapsed evidence', async () => {
    const port = await findClosedPort()
    const run = await runCli(['check', '--endpoint', `https://127.0.0.1:${port}`, '--format', 'markdown'])
    expect(run.exitCode).toBe(21)
    expect(run.stdout).toContain('| ❌ | `network.tcp-connect` |')
    expect(run.stdout).toContain('<details><summary>Evidence</summary>')
    expect(run.stdout).toMatch(/- \*\*OS:\*\* linux/)
  })

  it('reach runs only the reach stretch with the same contract', async () => {
    const server = await serve({ cert: leaf.certPem, key: leaf.keyPem })
    const run = await runCli(['reach', '--endpoint', server.url, '--ca-file', ca.certPath, '--json'])
    expect(run.exitCode).toBe(0)
    const ids = run.json.checks.map((c: { id: string }) => c.id)
    expect(ids).toContain('apiserver.readyz')
    expect(ids).not.toContain('env.tools')
    expect(ids).not.toContain('dns.resolvers')
  })

  it('explain maps a kubectl timeout to its layers and runs them', async () => {
    const port = await findClosedPort()
    const run = await runCli(['explain', `Unable to connect to the server: dial tcp 127.0.0.1:${port}: i/o timeout`, '--endpoint', `https://127.0.0.1:${port}`, '--json'])
    expect(run.json.explain).toMatchObject({ recognised: true, id: 'timeout' })
    expect(run.json.explain.categories).toEqual(['routing', 'security-group'])
    expect(run.exitCode).toBe(21)
  })
})
