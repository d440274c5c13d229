/** check --cluster: DescribeCluster from a loopback EKS through the real SDK, then the real path. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { startApiServer, type ApiServer } from '../helpers/api-server.js'
import { startFakeEks, type FakeEks } from '../helpers/fake-eks.js'
import { createCa, createTempDir, issueServerCert, removeTempDir, type Ca } from '../helpers/pki.js'
import { motoEnv, startMoto, type Moto } from '../helpers/moto.js'
import { cleanEnv, runCli } from '../helpers/run-cli.js'

const SECRET = 'fakeSecretKeyForLoopbackOnly/0123456789abcdef'
const SESSION = 'FwoGZXIvYXdzEBYaDfakeSessionTokenForLoopbackOnly'
let dir: string
let ca: Ca
let api: ApiServer
let eks: FakeEks
let moto: Moto

function env(): Record<string, string> {
  return cleanEnv({
    ...motoEnv(moto),
    AWS_ACCESS_KEY_ID: 'AKIDLOOPBACKONLY0000',
    AWS_SECRET_ACCESS_KEY: SECRET,
    AWS_SESSION_TOKEN: SESSION,
    AWS_ENDPOINT_URL_EKS: eks.url,
  })
}

beforeAll(async () => {
  moto = await startMoto()
  dir = createTempDir()
  ca = createCa(dir)
  const leaf = issueServerCert(ca, { commonName: 'kube-apiserver', dnsNames: ['kubernetes'], ipAddresses: ['127.0.0.1'] })
  api = await startApiServer({ cert: leaf.certPem, key: leaf.keyPem })
  eks = await startFakeEks([
    { name: 'payments-prod', endpoint: api.url, caPem: ca.certPem, vpcId: 'vpc-0a1b2c3d', clusterSecurityGroupId: 'sg-0feed' },
    { name: 'ledger-open', endpoint: api.url, caPem: ca.certPem, endpointPublicAccess: true, publicAccessCidrs: ['198.51.100.0/24'] },
    { name: 'ledger-public-only', endpoint: api.url, caPem: ca.certPem, endpointPublicAccess: true, endpointPrivateAccess: false },
    { name: 'ledger-new', endpoint: api.url, caPem: ca.certPem, status: 'CREATING' },
  ])
})

afterAll(async () => {
  await moto?.stop()
  await api.close()
  await eks.close()
  removeTempDir(dir)
})

describe('check --cluster with AWS', () => {
  it('fills endpoint and CA from DescribeCluster and reports ok', async () => {
    const run = await runCli(['check', '--cluster', 'payments-prod', '--region', 'eu-central-1', '--json'], { env: env() })
    expect(run.exitCode, run.stderr).toBe(0)
    expect(run.json.target).toMatchObject({ cluster: 'payments-prod', region: 'eu-central-1', endpoint: api.url })
    const describeCheck = run.json.checks.find((c: { id: string }) => c.id === 'cluster.describe')
    expect(describeCheck.status).toBe('pass')
    expect(describeCheck.evidence).toMatchObject({ vpcId: 'vpc-0a1b2c3d', clusterSecurityGroupId: 'sg-0feed', endpointPublicAccess: false })
    const tls = run.json.checks.find((c: { id: string }) => c.id === 'tls.handshake')
    expect(tls.evidence.ca).toBe('DescribeCluster certificateAuthority')
    expect(eks.requests.some((r) => r.path === '/clusters/payments-prod' && r.credentialScope?.includes('eu-central-1/eks'))).toBe(true)
    expect(run.stdout + run.stderr).not.toContain(SECRET)
    expect(run.stdout + run.stderr).not.toContain(SESSION)
  })

  it('warns about a public endpoint and gives the exact fix', async () => {
    const run = await runCli(['check', '--cluster', 'ledger-open', '--region', 'ap-southeast-2', '--json'], { env: env() })
    expect(run.exitCode).toBe(0)
    expect(run.json.verdict.status).toBe('warn')
    const fix = run.json.fixes.find((f: { category: string }) => f.category === 'cluster')
    expect(fix.commands[0]).toBe(
      'aws eks update-cluster-config --name ledger-open --region ap-southeast-2 --resources-vpc-config endpointPrivateAccess=true,endpointPublicAccess=false',
    )
    expect(fix.terraform).toContain('endpoint_public_access  = false')
  })

  it('fails as cluster when the private endpoint is off', async () => {
    const run = await runCli(['check', '--cluster', 'ledger-public-only', '--region', 'us-west-2', '--json'], { env: env() })
    expect(run.exitCode).toBe(11)
    expect(run.json.verdict).toMatchObject({ category: 'cluster', rootCause: 'cluster.endpoint-access' })
  })

  it('fails as cluster when the cluster is not ACTIVE', async () => {
    const run = await runCli(['check', '--cluster', 'ledger-new', '--region', 'us-west-2', '--json'], { env: env() })
    expect(run.exitCode).toBe(11)
    expect(run.json.verdict.summary).toContain('CREATING')
  })

  it('suggests the closest names for a typo', async () => {
    const run = await runCli(['check', '--cluster', 'payments-prd', '--region', 'eu-central-1', '--json'], { env: env() })
    expect(run.exitCode).toBe(11)
    expect(run.json.verdict.summary).toContain('did you mean payments-prod?')
    expect(run.json.fixes[0].commands).toContain('eksdoctor check --cluster payments-prod --region eu-central-1')
  })

  it('names credentials when none are available and only AWS knows the endpoint', async () => {
    const run = await runCli(['check', '--cluster', 'payments-prod', '--region', 'eu-central-1', '--json'], {
      env: cleanEnv({ AWS_ENDPOINT_URL_EKS: eks.url, AWS_ENDPOINT_URL_STS: moto.url }),
    })
    expect(run.exitCode).toBe(10)
    expect(run.json.verdict).toMatchObject({ category: 'credentials', rootCause: 'credentials.identity' })
  })

  it('masks account ids and the endpoint host under --redact', async () => {
    const run = await runCli(['check', '--cluster', 'ledger-open', '--region', 'ap-southeast-2', '--format', 'markdown', '--redact'], { env: env() })
    expect(run.stdout).not.toContain('111122223333')
    expect(run.stdout).toMatch(/arn:aws:eks:ap-southeast-2:ACCOUNT-[0-9a-f]{6}:cluster\/ledger-open/)
    expect(run.stdout).not.toContain('198.51.100.0')
  })
})
