/**
 * authn, authz and kubeconfig end to end: the real CLI signs its own token with credentials of a
 * role assumed in moto (under an SSO-style path), and a TLS API server on loopback authenticates
 * it the way EKS does, against access entries the loopback EKS serves. Real kubectl runs where a
 * case is about kubectl.
 */
import { execFile } from 'node:child_process'
import { writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { CreateRoleCommand, IAMClient } from '@aws-sdk/client-iam'
import { AssumeRoleCommand, STSClient } from '@aws-sdk/client-sts'
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest'
import { startApiServer, type ApiServer } from '../helpers/api-server.js'
import { authorizeAccessPolicies, createEksAuthenticator, mapAccessEntries } from '../helpers/eks-authenticator.js'
import { startFakeEks, type FakeAccessEntry, type FakeEks } from '../helpers/fake-eks.js'
import { MOTO_ACCESS_KEY_ID, MOTO_SECRET_ACCESS_KEY, startMoto, type Moto } from '../helpers/moto.js'
import { createCa, createTempDir, issueServerCert, removeTempDir, type Ca } from '../helpers/pki.js'
import { BIN, cleanEnv, runCli } from '../helpers/run-cli.js'

const REGION = 'ca-central-1'
const CLUSTER = 'orders-live'
const ROLE_NAME = 'AWSReservedSSO_PlatformOps_5f3c9a1e2b7d4c60'
const ROLE_PATH = '/aws-reserved/sso.amazonaws.com/ca-central-1/'
const ADMIN = 'arn:aws:eks::aws:cluster-access-policy/AmazonEKSClusterAdminPolicy'

let moto: Moto
let eks: FakeEks
let api: ApiServer
let dir: string
let ca: Ca
let roleArn: string
let creds: Record<string, string>
let entries: FakeAccessEntry[] = []

beforeAll(async () => {
  dir = createTempDir()
  ca = createCa(dir)
  const leaf = issueServerCert(ca, { commonName: 'kube-apiserver', dnsNames: ['kubernetes'], ipAddresses: ['127.0.0.1'] })
  moto = await startMoto()
  const base = { region: REGION, endpoint: moto.url, credentials: { accessKeyId: MOTO_ACCESS_KEY_ID, secretAccessKey: MOTO_SECRET_ACCESS_KEY } }
  const role = await new IAMClient(base).send(
    new CreateRoleCommand({ RoleName: ROLE_NAME, Path: ROLE_PATH, AssumeRolePolicyDocument: '{"Version":"2012-10-17","Statement":[]}' }),
  )
  roleArn = role.Role?.Arn as string
  const session = await new STSClient(base).send(new AssumeRoleCommand({ RoleArn: roleArn, RoleSessionName: 'oncall-7f3a' }))
  creds = {
    AWS_ACCESS_KEY_ID: session.Credentials?.AccessKeyId as string,
    AWS_SECRET_ACCESS_KEY: session.Credentials?.SecretAccessKey as string,
    AWS_SESSION_TOKEN: session.Credentials?.SessionToken as string,
  }
  const authenticate = createEksAuthenticator({ cluster: CLUSTER, stsUrl: moto.url, region: REGION, mapping: (id) => mapAccessEntries(entries)(id) })
  api = await startApiServer({
    cert: leaf.certPem,
    key: leaf.keyPem,
    auth: { authenticate, authorize: (user, attributes) => authorizeAccessPolicies(entries)(user, attributes) },
  })
  eks = await startFakeEks([{ name: CLUSTER, endpoint: api.url, caPem: ca.certPem, authenticationMode: 'API_AND_CONFIG_MAP' }])
}, 60_000)

afterAll(async () => {
  await Promise.all([api?.close(), eks?.close(), moto?.stop()])
  removeTempDir(dir)
})

beforeEach(() => {
  entries = []
  const cluster = eks.clusters.get(CLUSTER)
  if (cluster) cluster.accessEntries = entries
})

function setEntries(list: FakeAccessEntry[]): void {
  entries = list
  const cluster = eks.clusters.get(CLUSTER)
  if (cluster) cluster.accessEntries = list
}

function env(extra: Record<string, string> = {}): Record<string, string> {
  return cleanEnv({
    ...creds,
    AWS_ENDPOINT_URL_STS: moto.url,
    AWS_ENDPOINT_URL_IAM: moto.url,
    AWS_ENDPOINT_URL_EC2: moto.url,
    AWS_ENDPOINT_URL_EKS: eks.url,
    ...extra,
  })
}

function check(id: string, json: any) {
  return json.checks.find((c: { id: string }) => c.id === id)
}

function kubectl(args: string[], environment: Record<string, string>): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile('kubectl', args, { env: environment, timeout: 30_000 }, (error, stdout, stderr) =>
      resolve({ code: error ? Number((error as { code?: number }).code ?? 1) : 0, stdout, stderr }),
    )
  })
}

describe('authn and authz', () => {
  it('mapped and allowed: ok, with the Kubernetes user the role maps to', async () => {
    setEntries([{ principalArn: roleArn, policies: [{ policyArn: ADMIN, accessScope: { type: 'cluster' } }] }])
    const run = await runCli(['check', '--cluster', CLUSTER, '--region', REGION, '--json'], { env: env() })
    expect(run.exitCode, JSON.stringify(run.json?.verdict)).toBe(0)
    expect(check('credentials.identity', run.json).evidence.principalArn).toBe(roleArn)
    expect(check('authn.whoami', run.json).evidence.username).toBe(`arn:aws:sts::${roleArn.split(':')[4]}:assumed-role/${ROLE_NAME}/oncall-7f3a`)
    expect(check('authz.access-review', run.json).status).toBe('pass')
    expect(run.stdout).not.toContain(creds.AWS_SECRET_ACCESS_KEY)
    expect(run.stdout).not.toContain(creds.AWS_SESSION_TOKEN)
    expect(run.stdout).not.toContain('k8s-aws-v1.')
  })

  it('no access entry: iam, and the fix names the role ARN with its path, not the session', async () => {
    const run = await runCli(['check', '--cluster', CLUSTER, '--region', REGION, '--json'], { env: env() })
    expect(run.exitCode).toBe(30)
    expect(run.json.verdict).toMatchObject({ category: 'iam', rootCause: 'authn.access-entry', confirmed: true })
    expect(run.json.verdict.summary).toContain('401')
    const commands = run.json.fixes.flatMap((f: { commands: string[] }) => f.commands)
    expect(commands[0]).toBe(`aws eks create-access-entry --cluster-name ${CLUSTER} --principal-arn ${roleArn} --region ${REGION}`)
    expect(commands[1]).toContain(`aws eks associate-access-policy --cluster-name ${CLUSTER} --principal-arn ${roleArn} --policy-arn arn:aws:eks::aws:cluster-access-policy/`)
    expect(roleArn).toContain(ROLE_PATH)
    expect(commands.join(' ')).not.toContain('assumed-role')
    expect(run.json.fixes[0].terraform).toContain('resource "aws_eks_access_entry"')
    expect(run.json.fixes[0].terraform).toContain('resource "aws_eks_access_policy_association"')
  })

  it('an entry without a policy: rbac, with the policy association to add', async () => {
    setEntries([{ principalArn: roleArn }])
    const run = await runCli(['check', '--cluster', CLUSTER, '--region', REGION, '--json', '--can-i', 'list deployments.apps -n shop'], { env: env() })
    expect(run.exitCode).toBe(31)
    expect(run.json.verdict).toMatchObject({ category: 'rbac', rootCause: 'authz.access-review' })
    expect(run.json.verdict.summary).toContain('no access policy')
    const reviews = check('authz.access-review', run.json).evidence.reviews.map((r: { question: string }) => r.question)
    expect(reviews).toEqual(['get namespaces', 'list pods -n default', 'get nodes', 'list deployments.apps -n shop'])
    expect(run.json.fixes[0].commands[0]).toMatch(new RegExp(`^aws eks associate-access-policy --cluster-name ${CLUSTER} --principal-arn ${roleArn.replace(/[/.]/g, '\\$&')} --policy-arn arn:aws:eks::aws:cluster-access-policy/\\w+ --access-scope type=namespace,namespaces=shop`))
  })
})

describe('the kubeconfig against the cluster', () => {
  function writeKubeconfig(name: string, o: { server: string; execApiVersion?: string }): string {
    const path = join(dir, name)
    const arn = `arn:aws:eks:${REGION}:123456789012:cluster/${CLUSTER}`
    writeFileSync(
      path,
      [
        'apiVersion: v1',
        'kind: Config',
        `current-context: ${arn}`,
        'clusters:',
        `- name: ${arn}`,
        '  cluster:',
        `    server: ${o.server}`,
        `    certificate-authority-data: ${Buffer.from(ca.certPem).toString('base64')}`,
        'contexts:',
        `- name: ${arn}`,
        `  context: {cluster: "${arn}", user: "${arn}"}`,
        'users:',
        `- name: ${arn}`,
        '  user:',
        '    exec:',
        `      apiVersion: ${o.execApiVersion ?? 'client.authentication.k8s.io/v1beta1'}`,
        `      command: ${BIN}`,
        `      args: [token, --cluster, ${CLUSTER}, --region, ${REGION}]`,
        '',
      ].join('\n'),
    )
    return path
  }

  it('a stale server URL after the cluster was recreated: kubeconfig, with the command that rewrites it', async () => {
    setEntries([{ principalArn: roleArn, policies: [{ policyArn: ADMIN, accessScope: { type: 'cluster' } }] }])
    const file = writeKubeconfig('stale.yaml', { server: 'https://127.0.0.1:9' })
    const run = await runCli(['check', '--json'], { env: env({ KUBECONFIG: file }) })
    expect(run.exitCode, JSON.stringify(run.json?.verdict)).toBe(12)
    expect(run.json.verdict).toMatchObject({ category: 'kubeconfig', rootCause: 'kubeconfig.context' })
    expect(run.json.verdict.summary).toContain(`is not the cluster's endpoint ${api.url}`)
    expect(run.json.fixes[0].commands[0]).toBe(`eksdoctor kubeconfig --cluster ${CLUSTER} --region ${REGION}`)
  })

  it('an exec block with v1alpha1: kubeconfig, as kubectl itself refuses it', async () => {
    setEntries([{ principalArn: roleArn, policies: [{ policyArn: ADMIN, accessScope: { type: 'cluster' } }] }])
    const file = writeKubeconfig('alpha.yaml', { server: api.url, execApiVersion: 'client.authentication.k8s.io/v1alpha1' })
    const run = await runCli(['check', '--json'], { env: env({ KUBECONFIG: file }) })
    expect(run.exitCode).toBe(12)
    expect(run.json.verdict).toMatchObject({ category: 'kubeconfig', rootCause: 'kubeconfig.context' })
    expect(run.json.verdict.summary).toContain('v1alpha1')
    const real = await kubectl(['--kubeconfig', file, 'get', '--raw=/readyz'], env())
    expect(real.code).not.toBe(0)
    expect(real.stderr).toMatch(/invalid apiVersion/)
  })

  it('eksdoctor kubeconfig writes an eksdoctor token entry that real kubectl uses', async () => {
    setEntries([{ principalArn: roleArn, policies: [{ policyArn: ADMIN, accessScope: { type: 'cluster' } }] }])
    const file = join(dir, 'written.yaml')
    const environment = env({ KUBECONFIG: file })
    const write = await runCli(['kubeconfig', '--cluster', CLUSTER, '--region', REGION, '--token-command', 'eksdoctor', '--json'], { env: environment })
    expect(write.exitCode, JSON.stringify(write.json?.verdict ?? write.stderr)).toBe(0)
    expect(write.json.kubeconfig).toMatchObject({ path: file, changed: true })
    expect(check('kubeconfig.kubectl', write.json).status).toBe('pass')
    const whoami = await kubectl(['auth', 'whoami', '-o', 'json'], environment)
    expect(whoami.code, whoami.stderr).toBe(0)
    expect(JSON.parse(whoami.stdout).status.userInfo.username).toContain(`assumed-role/${ROLE_NAME}/oncall-7f3a`)
    const pods = await kubectl(['get', 'pods', '-n', 'default', '-o', 'name'], environment)
    expect(pods.code, pods.stderr).toBe(0)
  })
})
