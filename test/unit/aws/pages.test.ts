/**
 * Every listing is read to its last page: the access policies of an entry over two pages (the
 * loopback fake EKS pages them 100 at a time, as EKS does), 2,100 access entries over 21 pages
 * and an EC2 listing over 25 (the old loops stopped at 20 without a word). A listing that cannot
 * end (a token that repeats) stops and says so: `truncated` on the result, with what was read.
 */
import { createServer, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createAwsClients } from '../../../src/aws/clients.js'
import { collectPages, MAX_PAGES } from '../../../src/aws/pages.js'
import { startFakeEks, type FakeAccessPolicy, type FakeEks } from '../../helpers/fake-eks.js'

const NO_FILES = { homedir: '/nonexistent-home', readText: async () => undefined }
const call = { region: 'eu-west-1', timeoutMs: 15_000 }
const ADMIN = 'arn:aws:iam::111122223333:role/platform-admin'

let eks: FakeEks
const saved = { ...process.env }

beforeAll(async () => {
  for (const name of Object.keys(process.env)) if (/^AWS_/.test(name)) delete process.env[name]
  Object.assign(process.env, { AWS_ACCESS_KEY_ID: 'AKIDPAGESTEST0000001', AWS_SECRET_ACCESS_KEY: 'pages-test-secret', AWS_EC2_METADATA_DISABLED: 'true' })
  // One namespace-scoped view policy per team namespace: 101 associations, two pages.
  const policies: FakeAccessPolicy[] = Array.from({ length: 101 }, (_, i) => ({
    policyArn: 'arn:aws:eks::aws:cluster-access-policy/AmazonEKSViewPolicy',
    accessScope: { type: 'namespace', namespaces: [`team-${String(i).padStart(3, '0')}`] },
  }))
  const entries = Array.from({ length: 2_100 }, (_, i) => ({ principalArn: `arn:aws:iam::111122223333:role/dev-${String(i).padStart(4, '0')}` }))
  eks = await startFakeEks([
    {
      name: 'ledger-prod',
      endpoint: 'https://10.40.1.21',
      caPem: 'unused',
      accessEntries: [{ principalArn: ADMIN, kubernetesGroups: ['platform'], policies }, ...entries],
    },
  ])
})

afterAll(async () => {
  process.env = saved
  await eks.close()
})

describe('EKS listings through the SDK client', () => {
  it('ListAssociatedAccessPolicies: both pages of an entry with 101 policies', async () => {
    const result = await createAwsClients({ AWS_ENDPOINT_URL_EKS: eks.url }, NO_FILES).describeAccessEntry('ledger-prod', ADMIN, call)
    expect(result.ok).toBe(true)
    if (!result.ok || !result.value) return
    expect(result.value.policies).toHaveLength(101)
    expect(result.value.policies.at(-1)).toEqual({ policyArn: 'arn:aws:eks::aws:cluster-access-policy/AmazonEKSViewPolicy', scope: 'namespace', namespaces: ['team-100'] })
    expect(result.value.kubernetesGroups).toEqual(['platform'])
    expect(result.truncated).toBeUndefined()
    expect(eks.requests.filter((r) => r.path.endsWith('/access-policies'))).toHaveLength(2)
  })

  it('ListAccessEntries: 2,101 entries over 22 pages, none left behind', async () => {
    const before = eks.requests.length
    const result = await createAwsClients({ AWS_ENDPOINT_URL_EKS: eks.url }, NO_FILES).listAccessEntries('ledger-prod', call)
    expect(result.ok && result.value.length).toBe(2_101)
    expect(result.ok && result.value.at(-1)).toBe('arn:aws:iam::111122223333:role/dev-2099')
    expect(eks.requests.length - before).toBe(22)
  })

  it('an entry that does not exist is an answer (undefined), not a failure', async () => {
    const result = await createAwsClients({ AWS_ENDPOINT_URL_EKS: eks.url }, NO_FILES).describeAccessEntry('ledger-prod', 'arn:aws:iam::111122223333:role/nobody', call)
    expect(result).toMatchObject({ ok: true, value: undefined })
  })
})

/** A server that answers every request with `answer(pageIndex)` and counts them. */
async function startPager(answer: (page: number, url: URL, body: string) => { type: string; body: string }): Promise<{ url: string; count: () => number; close(): Promise<void> }> {
  let count = 0
  const server: Server = createServer((req, res) => {
    let body = ''
    req.on('data', (c: Buffer) => (body += c.toString()))
    req.on('end', () => {
      const a = answer(count++, new URL(req.url ?? '/', 'http://x'), body)
      res.writeHead(200, { 'content-type': a.type })
      res.end(a.body)
    })
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    count: () => count,
    close: () => new Promise<void>((resolve) => (server.closeAllConnections(), server.close(() => resolve()))),
  }
}

const groupPage = (i: number, next?: string) =>
  `<DescribeSecurityGroupsResponse><securityGroupInfo><item><groupId>sg-${String(i).padStart(4, '0')}</groupId><groupName>g${i}</groupName><ipPermissions/></item></securityGroupInfo>${next ? `<nextToken>${next}</nextToken>` : ''}</DescribeSecurityGroupsResponse>`

describe('EC2 listings through the Query client', () => {
  it('DescribeSecurityGroups over 25 pages: every group, each page asked with the token before it', async () => {
    const tokens: (string | null)[] = []
    const pager = await startPager((page, _url, body) => {
      tokens.push(new URLSearchParams(body).get('NextToken'))
      return { type: 'text/xml', body: groupPage(page, page < 24 ? `tok-${page + 1}` : undefined) }
    })
    try {
      const result = await createAwsClients({ AWS_ENDPOINT_URL_EC2: pager.url }, NO_FILES).describeSecurityGroups([], call)
      expect(result.ok && result.value.map((g) => g.id)).toEqual(Array.from({ length: 25 }, (_, i) => `sg-${String(i).padStart(4, '0')}`))
      expect(result.ok && result.truncated).toBeUndefined()
      expect(tokens).toEqual([null, ...Array.from({ length: 24 }, (_, i) => `tok-${i + 1}`)])
    } finally {
      await pager.close()
    }
  })

  it('a token that comes back again ends the listing, marked truncated, with what was read', async () => {
    const pager = await startPager((page) => ({ type: 'text/xml', body: groupPage(page, page === 0 ? 'tok-a' : 'tok-b') }))
    try {
      const result = await createAwsClients({ AWS_ENDPOINT_URL_EC2: pager.url }, NO_FILES).describeSecurityGroups([], call)
      expect(result).toMatchObject({ ok: true, truncated: true })
      expect(result.ok && result.value.map((g) => g.id)).toEqual(['sg-0000', 'sg-0001', 'sg-0002'])
      expect(pager.count()).toBe(3)
    } finally {
      await pager.close()
    }
  })
})

describe('collectPages', () => {
  it('stops at MAX_PAGES on a listing that never ends, and marks it', async () => {
    let marked = false
    let asked = 0
    const items = await collectPages({ truncated: () => (marked = true) }, async () => ({ items: [asked], next: `t${asked++}` }))
    expect(items).toHaveLength(MAX_PAGES)
    expect(marked).toBe(true)
  })
})
