/**
 * The EKS token, checked against the reference: the AWS CLI's own token generator (botocore),
 * frozen at the same instant, must produce the same string. Then the token command and its cache.
 */
import { execFileSync } from 'node:child_process'
import { readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { buildEksToken, decodeEksToken } from '../../src/aws/eks-token.js'
import { cleanEnv, runCli } from '../helpers/run-cli.js'

const REFERENCE = `
import datetime, json, sys, botocore.auth, botocore.session
when = datetime.datetime(*json.loads(sys.argv[3]))
class Frozen(datetime.datetime):
    @classmethod
    def utcnow(cls): return when
    @classmethod
    def now(cls, tz=None): return when.replace(tzinfo=tz)
botocore.auth.datetime.datetime = Frozen
from awscli.customizations.eks.get_token import TokenGenerator, STSClientFactory
sts = STSClientFactory(botocore.session.get_session()).get_sts_client(region_name=sys.argv[2])
print(TokenGenerator(sts).get_token(sys.argv[1]))
`

function referenceToken(cluster: string, region: string, when: Date, creds: Record<string, string>): string {
  const parts = [when.getUTCFullYear(), when.getUTCMonth() + 1, when.getUTCDate(), when.getUTCHours(), when.getUTCMinutes(), when.getUTCSeconds()]
  return execFileSync('python3', ['-c', REFERENCE, cluster, region, JSON.stringify(parts)], {
    env: { PATH: process.env.PATH, HOME: tmpdir(), AWS_CONFIG_FILE: '/nonexistent', ...creds },
    encoding: 'utf8',
    timeout: 30_000,
  }).trim()
}

describe('buildEksToken matches aws eks get-token', () => {
  const cases: { cluster: string; region: string; at: string; creds: Record<string, string> }[] = [
    { cluster: 'payments-prod', region: 'eu-west-1', at: '2026-11-29T04:21:07Z', creds: { AWS_ACCESS_KEY_ID: 'AKIDREFERENCE0000001', AWS_SECRET_ACCESS_KEY: 'reference/secret+key=1' } },
    {
      cluster: 'inventory_stage-2',
      region: 'ap-southeast-2',
      at: '2027-02-01T23:59:59Z',
      creds: { AWS_ACCESS_KEY_ID: 'ASIAREFERENCE0000002', AWS_SECRET_ACCESS_KEY: 'another/secret', AWS_SESSION_TOKEN: 'FQoGZXIvYXdzE//session+token=' },
    },
  ]
  for (const c of cases) {
    it(`${c.cluster} in ${c.region}${c.creds.AWS_SESSION_TOKEN ? ', with a session token' : ''}`, async () => {
      const now = new Date(c.at)
      const ours = await buildEksToken({
        cluster: c.cluster,
        region: c.region,
        now,
        credentials: { accessKeyId: c.creds.AWS_ACCESS_KEY_ID ?? '', secretAccessKey: c.creds.AWS_SECRET_ACCESS_KEY ?? '', sessionToken: c.creds.AWS_SESSION_TOKEN },
      })
      expect(ours.token).toBe(referenceToken(c.cluster, c.region, now, c.creds))
      expect(ours.token).not.toMatch(/=/)
      expect(ours.expiresAt.getTime() - now.getTime()).toBe(14 * 60_000)
      const decoded = decodeEksToken(ours.token)
      expect(decoded?.url.hostname).toBe(`sts.${c.region}.amazonaws.com`)
      expect(decoded?.url.searchParams.get('X-Amz-SignedHeaders')).toBe('host;x-k8s-aws-id')
    })
  }

  it('never outlives the credentials that signed it', async () => {
    const now = new Date('2026-11-29T04:00:00Z')
    const expiration = new Date('2026-11-29T04:05:00Z')
    const { expiresAt } = await buildEksToken({ cluster: 'c', region: 'us-east-1', now, credentials: { accessKeyId: 'A', secretAccessKey: 'B', expiration } })
    expect(expiresAt).toEqual(expiration)
  })
})

describe('eksdoctor token', () => {
  const creds = { AWS_ACCESS_KEY_ID: 'AKIDTOKENCOMMAND0001', AWS_SECRET_ACCESS_KEY: 'token-command-secret' }

  it('prints an ExecCredential, caches it 0600, and serves the cache on the next call', async () => {
    const env = cleanEnv(creds)
    const first = await runCli(['token', '--cluster', 'orders', '--region', 'eu-north-1'], { env })
    expect(first.exitCode, first.stderr).toBe(0)
    expect(first.json).toMatchObject({ kind: 'ExecCredential', apiVersion: 'client.authentication.k8s.io/v1beta1', spec: {} })
    expect(first.json.status.expirationTimestamp).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/)
    const dir = join(env.HOME as string, '.kube', 'cache', 'eksdoctor')
    const files = readdirSync(dir)
    expect(files).toHaveLength(1)
    expect(statSync(join(dir, files[0] as string)).mode & 0o777).toBe(0o600)
    // The cached token is served even once the credentials are gone.
    const second = await runCli(['token', '--cluster', 'orders', '--region', 'eu-north-1'], { env: { ...env, AWS_SECRET_ACCESS_KEY: '' } })
    expect(second.exitCode).toBe(0)
    expect(second.json.status.token).toBe(first.json.status.token)
    // Another cluster, region, profile or role is another entry.
    const other = await runCli(['token', '--name', 'orders', '--region', 'eu-west-3'], { env })
    expect(other.json.status.token).not.toBe(first.json.status.token)
    expect(readdirSync(dir)).toHaveLength(2)
  })

  it('answers in the apiVersion kubectl asks for', async () => {
    const env = cleanEnv({ ...creds, KUBERNETES_EXEC_INFO: JSON.stringify({ apiVersion: 'client.authentication.k8s.io/v1', kind: 'ExecCredential', spec: { interactive: false } }) })
    const run = await runCli(['token', '--cluster', 'orders', '--region', 'eu-north-1'], { env })
    expect(run.json.apiVersion).toBe('client.authentication.k8s.io/v1')
  })

  it('does not serve an entry within the safety margin of its expiry, nor a damaged one', async () => {
    const env = cleanEnv(creds)
    const first = await runCli(['token', '--cluster', 'orders', '--region', 'eu-north-1'], { env })
    const dir = join(env.HOME as string, '.kube', 'cache', 'eksdoctor')
    const file = join(dir, readdirSync(dir)[0] as string)
    writeFileSync(file, JSON.stringify({ token: 'k8s-aws-v1.stale', expiresAt: new Date(Date.now() + 60_000).toISOString() }))
    const fresh = await runCli(['token', '--cluster', 'orders', '--region', 'eu-north-1'], { env })
    expect(fresh.json.status.token).not.toBe('k8s-aws-v1.stale')
    writeFileSync(file, '{not json')
    const again = await runCli(['token', '--cluster', 'orders', '--region', 'eu-north-1'], { env })
    expect(again.exitCode).toBe(0)
    expect(again.json.status.token.startsWith('k8s-aws-v1.')).toBe(true)
    expect(JSON.parse(readFileSync(file, 'utf8')).token).toBe(again.json.status.token)
    expect(first.exitCode).toBe(0)
  })

  it('says on stderr, with exit 10, that there are no credentials', async () => {
    const run = await runCli(['token', '--cluster', 'orders', '--region', 'eu-north-1'])
    expect(run.exitCode).toBe(10)
    expect(run.stdout).toBe('')
    expect(run.stderr).toMatch(/^eksdoctor token: no AWS credentials to sign with/)
    expect(run.stderr.trim().split('\n')).toHaveLength(1)
  })
})
