/**
 * The EC2 Query client and the EC2 mappers against REAL EC2 XML: moto 5.2.1 recordings of two
 * worlds and the EC2 API reference's samples (test/fixtures/ec2/, see SOURCES.md), served by a
 * loopback HTTP server that records every request. The signature is checked with an independent
 * SigV4 computation (node:crypto), not with the signer under test.
 */
import { createHash, createHmac } from 'node:crypto'
import { createServer, type IncomingHttpHeaders, type ServerResponse } from 'node:http'
import { NodeHttpHandler } from '@smithy/node-http-handler'
import type { AddressInfo } from 'node:net'
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest'
import { createAwsPlumbing } from '../../../src/aws/call.js'
import { createEc2Calls, type Ec2Calls } from '../../../src/aws/ec2.js'
import { AwsQueryError, createEc2QueryClient, queryParams } from '../../../src/aws/query-client.js'
import type { AwsSettings } from '../../../src/aws/settings.js'
import { items, text } from '../../../src/aws/xml.js'
import { readFixture } from '../../helpers/fake-env.js'

interface Ec2Capture {
  region: string
  action: string
  params: Record<string, string>
  status: number
  body: string
}

const moto = (name: string): Ec2Capture => JSON.parse(readFixture(`ec2/moto-5.2.1/${name}.json`)) as Ec2Capture
const published = (name: string): string => readFixture(`ec2/published/${name}.xml`)

/** The ids of the two recorded worlds (test/fixtures/ec2/moto-5.2.1/{a,b}-world.json). */
const A = {
  region: 'eu-west-1',
  cluster: 'payments-prod',
  eksVpcId: 'vpc-ad871a1e0da75dbf5',
  vpnVpcId: 'vpc-0ad4ae85648d6ac63',
  dhcpOptionsId: 'dopt-9812e042184687c5e',
  eksSubnetIds: ['subnet-f61b1bffe218eea85', 'subnet-92aba68e804a2c6a0'],
  vpnSubnetId: 'subnet-98def5f461398b6a4',
  eksRouteTableIds: ['rtb-3743723f8369dce27', 'rtb-825cfd1464a364db4'],
  vpnRouteTableId: 'rtb-a0d4819bd73c3d458',
  eksMainRouteTableId: 'rtb-26e916293b75c4fb2',
  vpnMainRouteTableId: 'rtb-1d57f788a86b0fad1',
  peeringId: 'pcx-44c41607739829a5c',
  clusterSgId: 'sg-503615688ede9e995',
  additionalSgId: 'sg-b0ea892f18575b3f8',
  naclId: 'acl-02da5b21195ffeaad',
  routerInstanceId: 'i-2f7ab6a8b06e9d7bc',
  endpointEniIds: ['eni-77d04653a89bf3fe9', 'eni-7eb95cb28b3147ff2'],
  igwId: 'igw-a2a4f1686dafb5fe8',
  prefixListId: 'pl-b15f6181d3180f22b',
  routerSg: 'sg-b06828027118bf102',
}

const B = {
  region: 'ap-northeast-2',
  cluster: 'eks-secure-infra-dev',
  eksVpcId: 'vpc-8a451888f6ca8c214',
  vpnVpcId: 'vpc-c8ee1ac8646efef52',
  dhcpOptionsId: 'dopt-b5186cfce10f74391',
  eksSubnetIds: ['subnet-5ac46807a02717c34', 'subnet-e1391bffa06b64baf'],
  vpnSubnetId: 'subnet-ebf919af122f6d8a9',
  eksRouteTableIds: ['rtb-c00d849fe2fb31f72', 'rtb-45a5ce97a0b090767'],
  eksMainRouteTableId: 'rtb-18a397db2c365a2c4',
  peeringId: 'pcx-54e030c6cc322fa80',
  clusterSgId: 'sg-11cbd9ac6c7cc375c',
  additionalSgId: 'sg-91e68fc82df70ce6a',
  naclId: 'acl-114e9840a04ce24c4',
  routerInstanceId: 'i-88bd9f38717d5cd06',
  tgwId: 'tgw-c2fdc68cccdf5a276',
  otherVpcId: 'vpc-6c071e2dbf058d165',
  pendingPeeringId: 'pcx-70acd818d3a93b4a4',
  deadEni: 'eni-a7cdf8481a58b5c4f',
}

const ACCESS_KEY = 'AKIDEKSDOCTORTEST001'
const SECRET_KEY = 'eksdoctorLoopbackOnlySecret/0123456789abcd'
const SESSION_TOKEN = 'IQoJb3JpZ2luX2VjEEKSDOCTORFAKESESSIONTOKEN=='

// ---------------------------------------------------------------------------------------------
// A loopback EC2: records each request and answers from a function.

interface Seen {
  method: string
  url: string
  headers: IncomingHttpHeaders
  body: string
  params: Record<string, string>
}

type Answer = { status: number; body: string } | 'hang'

interface LoopbackEc2 {
  url: string
  requests: Seen[]
  close(): Promise<void>
}

const servers: LoopbackEc2[] = []

async function startEc2(answer: (req: Seen, index: number) => Answer): Promise<LoopbackEc2> {
  const requests: Seen[] = []
  const hanging: ServerResponse[] = []
  const server = createServer((req, res) => {
    const chunks: Buffer[] = []
    req.on('data', (c: Buffer) => chunks.push(c))
    req.on('end', () => {
      const body = Buffer.concat(chunks).toString('utf8')
      const seen: Seen = { method: req.method ?? '', url: req.url ?? '', headers: req.headers, body, params: Object.fromEntries(new URLSearchParams(body)) }
      requests.push(seen)
      const a = answer(seen, requests.length - 1)
      if (a === 'hang') {
        hanging.push(res)
        return
      }
      res.writeHead(a.status, { 'content-type': 'text/xml;charset=UTF-8' })
      res.end(a.body)
    })
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const { port } = server.address() as AddressInfo
  const loop: LoopbackEc2 = {
    url: `http://127.0.0.1:${port}`,
    requests,
    close: () =>
      new Promise<void>((resolve) => {
        for (const res of hanging) res.destroy()
        server.closeAllConnections()
        server.close(() => resolve())
      }),
  }
  servers.push(loop)
  return loop
}

afterEach(async () => {
  await Promise.all(servers.splice(0).map((s) => s.close()))
})

const bounded = () => AbortSignal.timeout(10_000)

/** What createEc2QueryClient takes besides region and credentials: the settings of a profile that points EC2 at a loopback server. */
function toLoopback(url: string, settings: Partial<AwsSettings> = {}) {
  return {
    settings: { useFipsEndpoint: false, useDualstackEndpoint: false, maxAttempts: 3, retryMode: 'standard' as const, endpointUrl: (id: string) => (id === 'EC2' ? url : undefined), ...settings },
    handler: new NodeHttpHandler(),
  }
}

// ---------------------------------------------------------------------------------------------
// An independent SigV4 check (AWS General Reference, "Create a signed AWS API request").

const sha256Hex = (data: string) => createHash('sha256').update(data, 'utf8').digest('hex')
const hmac = (key: string | Buffer, data: string) => createHmac('sha256', key).update(data, 'utf8').digest()

function checkSigV4(req: Seen, secret: string): { accessKey: string; date: string; region: string; service: string; signedHeaders: string[]; valid: boolean } {
  const m = /^AWS4-HMAC-SHA256 Credential=([^,]+), SignedHeaders=([^,]+), Signature=([0-9a-f]{64})$/.exec(String(req.headers.authorization))
  if (!m) throw new Error(`not a SigV4 Authorization header: ${req.headers.authorization}`)
  const [, credential = '', signedList = '', signature] = m
  const [accessKey = '', date = '', region = '', service = '', terminator] = credential.split('/')
  expect(terminator).toBe('aws4_request')
  const signedHeaders = signedList.split(';')
  const amzDate = String(req.headers['x-amz-date'])
  const canonicalHeaders = signedHeaders.map((h) => `${h}:${String(req.headers[h]).trim().replace(/\s+/g, ' ')}\n`).join('')
  const canonicalRequest = [req.method, '/', '', canonicalHeaders, signedList, sha256Hex(req.body)].join('\n')
  const scope = `${date}/${region}/${service}/aws4_request`
  const stringToSign = ['AWS4-HMAC-SHA256', amzDate, scope, sha256Hex(canonicalRequest)].join('\n')
  const key = hmac(hmac(hmac(hmac(`AWS4${secret}`, date), region), service), 'aws4_request')
  return { accessKey, date, region, service, signedHeaders, valid: hmac(key, stringToSign).toString('hex') === signature }
}

// ---------------------------------------------------------------------------------------------

describe('queryParams: EC2 Query flattening', () => {
  it.each([
    {
      name: 'one filter with one value, as describeEndpointEnis sends it',
      input: { Filter: [{ Name: 'description', Value: ['Amazon EKS payments-prod'] }] },
      out: { 'Filter.1.Name': 'description', 'Filter.1.Value.1': 'Amazon EKS payments-prod' },
    },
    {
      // The EC2 API reference, DescribeVpcPeeringConnections example 3.
      name: 'one filter with two values',
      input: { Filter: [{ Name: 'tag:Name', Value: ['Finance', 'Accounts'] }] },
      out: { 'Filter.1.Name': 'tag:Name', 'Filter.1.Value.1': 'Finance', 'Filter.1.Value.2': 'Accounts' },
    },
    {
      // The EC2 API reference, DescribeSecurityGroups example 2.
      name: 'four filters, numbered in order',
      input: {
        Filter: [
          { Name: 'ip-permission.protocol', Value: ['tcp'] },
          { Name: 'ip-permission.from-port', Value: ['22'] },
          { Name: 'ip-permission.to-port', Value: ['22'] },
          { Name: 'ip-permission.group-name', Value: ['app_server_group', 'database_group'] },
        ],
      },
      out: {
        'Filter.1.Name': 'ip-permission.protocol',
        'Filter.1.Value.1': 'tcp',
        'Filter.2.Name': 'ip-permission.from-port',
        'Filter.2.Value.1': '22',
        'Filter.3.Name': 'ip-permission.to-port',
        'Filter.3.Value.1': '22',
        'Filter.4.Name': 'ip-permission.group-name',
        'Filter.4.Value.1': 'app_server_group',
        'Filter.4.Value.2': 'database_group',
      },
    },
    {
      name: 'a list of ids',
      input: { VpcId: ['vpc-ad871a1e0da75dbf5', 'vpc-0ad4ae85648d6ac63'] },
      out: { 'VpcId.1': 'vpc-ad871a1e0da75dbf5', 'VpcId.2': 'vpc-0ad4ae85648d6ac63' },
    },
    {
      name: 'scalars stay as they are; numbers and booleans become text',
      input: { VpcId: 'vpc-8a451888f6ca8c214', Attribute: 'enableDnsSupport', MaxResults: 100, DryRun: false },
      out: { VpcId: 'vpc-8a451888f6ca8c214', Attribute: 'enableDnsSupport', MaxResults: '100', DryRun: 'false' },
    },
    {
      name: 'undefined members and empty lists are left out',
      input: { NextToken: undefined, GroupId: [], InstanceId: ['i-88bd9f38717d5cd06'] },
      out: { 'InstanceId.1': 'i-88bd9f38717d5cd06' },
    },
    {
      name: 'a nested structure joins names with dots',
      input: { VpcPeeringConnectionId: 'pcx-54e030c6cc322fa80', RequesterPeeringConnectionOptions: { AllowDnsResolutionFromRemoteVpc: true } },
      out: { VpcPeeringConnectionId: 'pcx-54e030c6cc322fa80', 'RequesterPeeringConnectionOptions.AllowDnsResolutionFromRemoteVpc': 'true' },
    },
  ])('$name', ({ input, out }) => {
    expect(queryParams(input)).toEqual(out)
  })

  it('matches what moto accepted for every recorded request', () => {
    // The recorder flattened these inputs; moto answered 200 to each, so the shape is one EC2 reads.
    for (const name of ['a-describe-network-interfaces', 'b-describe-network-acls', 'a-describe-vpc-attribute-dns-support', 'b-describe-security-groups']) {
      expect(moto(name).status).toBe(200)
    }
    expect(moto('b-describe-network-acls').params).toEqual({
      Action: 'DescribeNetworkAcls',
      Version: '2016-11-15',
      ...queryParams({ Filter: [{ Name: 'association.subnet-id', Value: B.eksSubnetIds }] }),
    })
  })
})

describe('createEc2QueryClient against a loopback server', () => {
  it.each([
    { world: A, capture: 'a-describe-vpcs', vpcId: A.eksVpcId, session: undefined },
    { world: B, capture: 'b-describe-vpcs', vpcId: B.eksVpcId, session: SESSION_TOKEN },
  ])('sends a SigV4-signed form POST in $world.region and parses the answer (session token: $session)', async ({ world, capture, vpcId, session }) => {
    const recorded = moto(capture)
    const ec2 = await startEc2(() => ({ status: 200, body: recorded.body }))
    let asked = 0
    const client = createEc2QueryClient({
      region: world.region,
      credentials: async () => {
        asked++
        return { accessKeyId: ACCESS_KEY, secretAccessKey: SECRET_KEY, ...(session ? { sessionToken: session } : {}) }
      },
      ...toLoopback(ec2.url),
    })
    const before = Date.now()
    const xml = await client.call('DescribeVpcs', { VpcId: [vpcId] }, bounded())

    expect(xml.name).toBe('DescribeVpcsResponse')
    expect(items(xml, 'vpcSet').map((v) => text(v, 'vpcId'))).toEqual([vpcId])
    expect(asked).toBeGreaterThan(0)
    expect(ec2.requests).toHaveLength(1)
    const req = ec2.requests[0] as Seen
    expect(req.method).toBe('POST')
    expect(req.url).toBe('/')
    expect(req.headers['content-type']).toBe('application/x-www-form-urlencoded; charset=utf-8')
    expect(req.params).toEqual({ Action: 'DescribeVpcs', Version: '2016-11-15', 'VpcId.1': vpcId })
    expect(req.params).toEqual(recorded.params)

    expect(req.headers.authorization).toMatch(
      new RegExp(`^AWS4-HMAC-SHA256 Credential=${ACCESS_KEY}/\\d{8}/${world.region}/ec2/aws4_request, SignedHeaders=[a-z0-9;-]+, Signature=[0-9a-f]{64}$`),
    )
    const sig = checkSigV4(req, SECRET_KEY)
    expect(sig).toMatchObject({ accessKey: ACCESS_KEY, region: world.region, service: 'ec2', valid: true })
    expect(sig.signedHeaders).toEqual(expect.arrayContaining(['host', 'x-amz-date', 'content-type']))
    const amzDate = String(req.headers['x-amz-date'])
    expect(amzDate).toMatch(/^\d{8}T\d{6}Z$/)
    expect(sig.date).toBe(amzDate.slice(0, 8))
    const signedAt = Date.parse(`${amzDate.slice(0, 4)}-${amzDate.slice(4, 6)}-${amzDate.slice(6, 8)}T${amzDate.slice(9, 11)}:${amzDate.slice(11, 13)}:${amzDate.slice(13, 15)}Z`)
    expect(Math.abs(signedAt - before)).toBeLessThan(60_000)

    if (session) {
      expect(req.headers['x-amz-security-token']).toBe(session)
      expect(sig.signedHeaders).toContain('x-amz-security-token')
    } else {
      expect(req.headers['x-amz-security-token']).toBeUndefined()
    }
    // The secret itself never travels.
    expect(JSON.stringify(req)).not.toContain(SECRET_KEY)
  })

  it('a signature made with another secret does not check out (the checker is not a rubber stamp)', async () => {
    const ec2 = await startEc2(() => ({ status: 200, body: moto('a-describe-vpcs').body }))
    const client = createEc2QueryClient({
      region: A.region,
      credentials: async () => ({ accessKeyId: ACCESS_KEY, secretAccessKey: SECRET_KEY }),
      ...toLoopback(ec2.url),
    })
    await client.call('DescribeVpcs', { VpcId: [A.eksVpcId] }, bounded())
    expect(checkSigV4(ec2.requests[0] as Seen, 'some-other-secret').valid).toBe(false)
  })

  it.each([
    { first: 503, name: 'a 503' },
    { first: 500, name: 'a 500' },
  ])('retries once after $name and returns the second answer', async ({ first }) => {
    const recorded = moto('b-describe-security-groups')
    const ec2 = await startEc2((_req, i) => (i === 0 ? { status: first, body: 'Service Unavailable' } : { status: 200, body: recorded.body }))
    const client = createEc2QueryClient({
      region: B.region,
      credentials: async () => ({ accessKeyId: ACCESS_KEY, secretAccessKey: SECRET_KEY }),
      ...toLoopback(ec2.url),
    })
    const xml = await client.call('DescribeSecurityGroups', { GroupId: [B.clusterSgId, B.additionalSgId] }, bounded())
    expect(items(xml, 'securityGroupInfo').map((g) => text(g, 'groupId'))).toEqual([B.additionalSgId, B.clusterSgId])
    expect(ec2.requests).toHaveLength(2)
    expect(ec2.requests[1]?.body).toBe(ec2.requests[0]?.body)
    expect(checkSigV4(ec2.requests[1] as Seen, SECRET_KEY).valid).toBe(true)
  })

  it.each([
    { maxAttempts: 3, why: 'the SDK default' },
    { maxAttempts: 5, why: 'AWS_MAX_ATTEMPTS=5' },
    { maxAttempts: 1, why: 'AWS_MAX_ATTEMPTS=1: no retry' },
  ])('makes $maxAttempts attempts ($why), then the last 503 is an AwsQueryError with the status and request id', async ({ maxAttempts }) => {
    const ec2 = await startEc2(() => ({ status: 503, body: '<Response><Errors><Error><Code>Unavailable</Code><Message>Please try again</Message></Error></Errors><RequestID>5ab5e0e3-0000-4000-8000-5a11ab1e0001</RequestID></Response>' }))
    const client = createEc2QueryClient({
      region: A.region,
      credentials: async () => ({ accessKeyId: ACCESS_KEY, secretAccessKey: SECRET_KEY }),
      ...toLoopback(ec2.url, { maxAttempts }),
    })
    const error = await client.call('DescribeRouteTables', { Filter: [{ Name: 'vpc-id', Value: [A.eksVpcId] }] }, bounded()).catch((e: unknown) => e)
    expect(error).toBeInstanceOf(AwsQueryError)
    expect(error).toMatchObject({ name: 'Unavailable', status: 503, message: 'Please try again', requestId: '5ab5e0e3-0000-4000-8000-5a11ab1e0001' })
    expect(ec2.requests).toHaveLength(maxAttempts)
  })

  it('a body that is not XML still gives an AwsQueryError named by the status', async () => {
    const ec2 = await startEc2(() => ({ status: 503, body: 'Service Unavailable' }))
    const client = createEc2QueryClient({
      region: A.region,
      credentials: async () => ({ accessKeyId: ACCESS_KEY, secretAccessKey: SECRET_KEY }),
      ...toLoopback(ec2.url, { maxAttempts: 1 }),
    })
    const error = await client.call('DescribeRouteTables', { Filter: [{ Name: 'vpc-id', Value: [A.eksVpcId] }] }, bounded()).catch((e: unknown) => e)
    expect(error).toMatchObject({ name: 'HTTP503', status: 503, message: 'DescribeRouteTables answered 503' })
  })

  it.each([
    { source: 'moto', body: () => moto('error-invalid-vpc-id').body, code: 'InvalidVpcID.NotFound', message: "VpcID {'vpc-0123456789abcdef0'} does not exist." },
    { source: 'moto', body: () => moto('error-invalid-group-id').body, code: 'InvalidGroup.NotFound', message: undefined },
    { source: 'EC2 API reference', body: () => published('ec2-api-reference-error-invalid-instance-id'), code: 'InvalidInstanceID.NotFound', message: "The instance ID 'i-1a2b3c4d' does not exist" },
  ])('a 400 error body ($source, $code) becomes an AwsQueryError named by the Code, without a retry', async ({ body, code, message }) => {
    const ec2 = await startEc2(() => ({ status: 400, body: body() }))
    const client = createEc2QueryClient({
      region: B.region,
      credentials: async () => ({ accessKeyId: ACCESS_KEY, secretAccessKey: SECRET_KEY }),
      ...toLoopback(ec2.url),
    })
    const error = await client.call('DescribeVpcs', { VpcId: ['vpc-0123456789abcdef0'] }, bounded()).catch((e: unknown) => e)
    expect(error).toBeInstanceOf(AwsQueryError)
    expect(error).toBeInstanceOf(Error)
    expect((error as AwsQueryError).name).toBe(code)
    expect((error as AwsQueryError).status).toBe(400)
    if (message) expect((error as AwsQueryError).message).toBe(message)
    else expect((error as AwsQueryError).message.length).toBeGreaterThan(0)
    expect(ec2.requests).toHaveLength(1)
  })

  it('RequestLimitExceeded (throttling, HTTP 400) is retried', async () => {
    // The documented error body with the throttling code EC2 uses.
    const throttled = published('ec2-api-reference-error-invalid-instance-id')
      .replace('InvalidInstanceID.NotFound', 'RequestLimitExceeded')
      .replace("The instance ID 'i-1a2b3c4d' does not exist", 'Request limit exceeded.')
    const recorded = moto('a-describe-network-acls')
    const ec2 = await startEc2((_req, i) => (i === 0 ? { status: 400, body: throttled } : { status: 200, body: recorded.body }))
    const client = createEc2QueryClient({
      region: A.region,
      credentials: async () => ({ accessKeyId: ACCESS_KEY, secretAccessKey: SECRET_KEY }),
      ...toLoopback(ec2.url),
    })
    const xml = await client.call('DescribeNetworkAcls', { Filter: [{ Name: 'association.subnet-id', Value: A.eksSubnetIds }] }, bounded())
    expect(items(xml, 'networkAclSet').map((n) => text(n, 'networkAclId'))).toEqual([A.naclId])
    expect(ec2.requests).toHaveLength(2)
  })

  it('a server that never answers is cut off by the signal, with no retry', async () => {
    const ec2 = await startEc2(() => 'hang')
    const client = createEc2QueryClient({
      region: A.region,
      credentials: async () => ({ accessKeyId: ACCESS_KEY, secretAccessKey: SECRET_KEY }),
      ...toLoopback(ec2.url),
    })
    const started = Date.now()
    const error = await client.call('DescribeInstances', { InstanceId: [A.routerInstanceId] }, AbortSignal.timeout(300)).catch((e: unknown) => e)
    expect(error).toBeInstanceOf(Error)
    expect((error as Error).name).toMatch(/TimeoutError|AbortError/)
    expect(Date.now() - started).toBeLessThan(5_000)
    expect(ec2.requests).toHaveLength(1)
  })
})

// ---------------------------------------------------------------------------------------------
// The mappers of src/aws/ec2.ts, through createEc2Calls and the real plumbing.

const CREDENTIAL_VARS = ['AWS_ACCESS_KEY_ID', 'AWS_SECRET_ACCESS_KEY', 'AWS_SESSION_TOKEN', 'AWS_PROFILE', 'AWS_ENDPOINT_URL', 'AWS_ENDPOINT_URL_EC2'] as const
const saved: Partial<Record<(typeof CREDENTIAL_VARS)[number], string>> = {}

beforeAll(() => {
  for (const name of CREDENTIAL_VARS) {
    saved[name] = process.env[name]
    delete process.env[name]
  }
  // createAwsPlumbing resolves credentials with the SDK's node provider chain, which reads
  // process.env; the plumbing's vars only choose the profile and the endpoint.
  process.env.AWS_ACCESS_KEY_ID = ACCESS_KEY
  process.env.AWS_SECRET_ACCESS_KEY = SECRET_KEY
})

afterAll(() => {
  for (const name of CREDENTIAL_VARS) {
    if (saved[name] === undefined) delete process.env[name]
    else process.env[name] = saved[name]
  }
})

/** Replays the recorded captures: each request must equal one of them, parameter for parameter. */
function replay(captures: Ec2Capture[]): (req: Seen) => Answer {
  return (req) => {
    const hit = captures.find((c) => JSON.stringify(Object.entries(c.params).sort()) === JSON.stringify(Object.entries(req.params).sort()))
    if (!hit) {
      return {
        status: 400,
        body: `<Response><Errors><Error><Code>UnrecordedRequest</Code><Message>no capture for ${new URLSearchParams(req.params).toString()}</Message></Error></Errors></Response>`,
      }
    }
    return { status: hit.status, body: hit.body }
  }
}

async function callsFor(answer: (req: Seen, index: number) => Answer, extraVars: Record<string, string> = {}): Promise<{ ec2: LoopbackEc2; calls: Ec2Calls }> {
  const ec2 = await startEc2(answer)
  const plumbing = createAwsPlumbing(
    { AWS_ENDPOINT_URL_EC2: ec2.url, AWS_ACCESS_KEY_ID: ACCESS_KEY, AWS_SECRET_ACCESS_KEY: SECRET_KEY, ...extraVars },
    // No shared files: this machine's ~/.aws must not change what the test sees.
    { homedir: '/nonexistent-home', readText: async () => undefined },
  )
  return { ec2, calls: createEc2Calls(plumbing) }
}

const opts = (region: string) => ({ region, timeoutMs: 8_000 })

function value<T>(result: { ok: true; value: T } | { ok: false; code: string; message: string }): T {
  if (!result.ok) throw new Error(`expected ok, got ${result.code}: ${result.message}`)
  return result.value
}

const WORLD_A = ['a-describe-network-interfaces', 'a-describe-vpcs', 'a-describe-vpc-attribute-dns-support', 'a-describe-vpc-attribute-dns-hostnames', 'a-describe-dhcp-options', 'a-describe-security-groups', 'a-get-managed-prefix-list-entries', 'a-describe-route-tables-eks-vpc', 'a-describe-route-tables-vpn-vpc', 'a-describe-route-tables-by-subnet', 'a-describe-vpc-peering-connections-requester', 'a-describe-vpc-peering-connections-accepter', 'a-describe-network-acls', 'a-describe-instances-by-ip', 'a-describe-instances-by-id', 'a-describe-instances-no-match'].map(moto)
const WORLD_B = ['b-describe-network-interfaces', 'b-describe-vpcs', 'b-describe-vpc-attribute-dns-support', 'b-describe-vpc-attribute-dns-hostnames', 'b-describe-dhcp-options', 'b-describe-security-groups', 'b-describe-route-tables-eks-vpc', 'b-describe-route-tables-vpn-vpc', 'b-describe-route-tables-by-subnet', 'b-describe-vpc-peering-connections-requester', 'b-describe-vpc-peering-connections-accepter', 'b-describe-network-acls', 'b-describe-instances-by-ip', 'b-describe-instances-by-id'].map(moto)

describe('EC2 mappers on moto world A (eu-west-1: IGW, instance route, prefix list, group rule, two CIDRs)', () => {
  it('signs with the credentials of the provider chain and sends the recorded parameters', async () => {
    const { ec2, calls } = await callsFor(replay(WORLD_A))
    value(await calls.describeEndpointEnis(A.cluster, opts(A.region)))
    expect(ec2.requests).toHaveLength(1)
    const sig = checkSigV4(ec2.requests[0] as Seen, SECRET_KEY)
    expect(sig).toMatchObject({ accessKey: ACCESS_KEY, region: A.region, service: 'ec2', valid: true })
    expect(ec2.requests[0]?.headers['x-amz-security-token']).toBeUndefined()
  })

  it('describeEndpointEnis: IPs, subnets, zones and groups of "Amazon EKS payments-prod"', async () => {
    const { calls } = await callsFor(replay(WORLD_A))
    expect(value(await calls.describeEndpointEnis(A.cluster, opts(A.region)))).toEqual([
      { id: A.endpointEniIds[0], privateIps: ['10.20.1.87'], ipv6Ips: [], subnetId: A.eksSubnetIds[0], vpcId: A.eksVpcId, az: 'eu-west-1a', description: 'Amazon EKS payments-prod', groupIds: [A.clusterSgId, A.additionalSgId] },
      { id: A.endpointEniIds[1], privateIps: ['10.20.2.143'], ipv6Ips: [], subnetId: A.eksSubnetIds[1], vpcId: A.eksVpcId, az: 'eu-west-1b', description: 'Amazon EKS payments-prod', groupIds: [A.clusterSgId, A.additionalSgId] },
    ])
  })

  it('describeVpcs with attributes: both CIDRs, DNS support and hostnames, AmazonProvidedDNS', async () => {
    const { ec2, calls } = await callsFor(replay(WORLD_A))
    expect(value(await calls.describeVpcs([A.eksVpcId], { ...opts(A.region), attributes: true }))).toEqual([
      {
        id: A.eksVpcId,
        cidrs: ['10.20.0.0/16', '10.21.0.0/16'],
        ipv6Cidrs: [],
        ownerId: '123456789012',
        dhcpOptionsId: A.dhcpOptionsId,
        enableDnsSupport: true,
        enableDnsHostnames: true,
        dnsServers: ['AmazonProvidedDNS'],
      },
    ])
    expect(ec2.requests.map((r) => r.params.Action).sort()).toEqual(['DescribeDhcpOptions', 'DescribeVpcAttribute', 'DescribeVpcAttribute', 'DescribeVpcs'])
  })

  it('describeVpcs without attributes reads only DescribeVpcs', async () => {
    const { ec2, calls } = await callsFor(replay(WORLD_A))
    const [vpc] = value(await calls.describeVpcs([A.eksVpcId], opts(A.region)))
    expect(vpc?.enableDnsSupport).toBeUndefined()
    expect(vpc?.dnsServers).toBeUndefined()
    expect(ec2.requests.map((r) => r.params.Action)).toEqual(['DescribeVpcs'])
  })

  it('describeSecurityGroups: one rule with a CIDR, a prefix list and the router group; all traffic from itself; a 22-only group', async () => {
    const { calls } = await callsFor(replay(WORLD_A))
    const groups = value(await calls.describeSecurityGroups([A.clusterSgId, A.additionalSgId], opts(A.region)))
    expect(groups.map((g) => [g.id, g.name, g.vpcId])).toEqual([
      [A.clusterSgId, 'eks-cluster-sg-payments-prod-75dbf5', A.eksVpcId],
      [A.additionalSgId, 'payments-prod-additional', A.eksVpcId],
    ])
    expect(groups[0]?.ingress).toEqual([
      {
        protocol: 'tcp',
        fromPort: 443,
        toPort: 443,
        cidrs: ['10.99.0.0/16'],
        ipv6Cidrs: [],
        prefixListIds: [A.prefixListId],
        groups: [{ groupId: A.routerSg, userId: '123456789012', vpcPeeringConnectionId: undefined }],
        description: 'VPN VPC to the EKS API',
      },
      {
        protocol: '-1',
        fromPort: undefined,
        toPort: undefined,
        cidrs: [],
        ipv6Cidrs: [],
        prefixListIds: [],
        groups: [{ groupId: A.clusterSgId, userId: '123456789012', vpcPeeringConnectionId: undefined }],
        description: undefined,
      },
    ])
    expect(groups[1]?.ingress).toEqual([
      { protocol: 'tcp', fromPort: 22, toPort: 22, cidrs: ['10.255.0.0/16'], ipv6Cidrs: [], prefixListIds: [], groups: [], description: 'bastion' },
    ])
  })

  it('getPrefixListCidrs: the entries of the managed prefix list', async () => {
    const { calls } = await callsFor(replay(WORLD_A))
    expect(value(await calls.getPrefixListCidrs(A.prefixListId, opts(A.region)))).toEqual(['10.99.0.0/16', '100.64.0.0/10'])
  })

  it('describeRouteTables of the VPN VPC: local, pcx, igw and instance targets; main vs explicit association', async () => {
    const { calls } = await callsFor(replay(WORLD_A))
    const tables = value(await calls.describeRouteTables({ vpcId: A.vpnVpcId }, opts(A.region)))
    expect(tables).toEqual([
      {
        id: A.vpnMainRouteTableId,
        vpcId: A.vpnVpcId,
        main: true,
        subnetIds: [],
        routes: [{ destination: '10.99.0.0/16', prefixListId: undefined, targetType: 'local', targetId: 'local', state: 'active' }],
      },
      {
        id: A.vpnRouteTableId,
        vpcId: A.vpnVpcId,
        main: false,
        subnetIds: [A.vpnSubnetId],
        routes: [
          { destination: '10.99.0.0/16', prefixListId: undefined, targetType: 'local', targetId: 'local', state: 'active' },
          { destination: '10.20.0.0/16', prefixListId: undefined, targetType: 'pcx', targetId: A.peeringId, state: 'active' },
          { destination: '0.0.0.0/0', prefixListId: undefined, targetType: 'igw', targetId: A.igwId, state: 'active' },
          { destination: '100.64.0.0/10', prefixListId: undefined, targetType: 'instance', targetId: A.routerInstanceId, state: 'active' },
        ],
      },
    ])
  })

  it('describeRouteTables by subnet ids filters on association.subnet-id (the second VPC CIDR is local too)', async () => {
    const { ec2, calls } = await callsFor(replay(WORLD_A))
    const tables = value(await calls.describeRouteTables({ subnetIds: A.eksSubnetIds }, opts(A.region)))
    expect(ec2.requests[0]?.params).toMatchObject({ 'Filter.1.Name': 'association.subnet-id', 'Filter.1.Value.1': A.eksSubnetIds[0], 'Filter.1.Value.2': A.eksSubnetIds[1] })
    expect(tables.map((t) => [t.id, t.main, t.subnetIds])).toEqual([
      [A.eksRouteTableIds[1], false, [A.eksSubnetIds[1]]],
      [A.eksRouteTableIds[0], false, [A.eksSubnetIds[0]]],
    ])
    expect(tables[0]?.routes.map((r) => `${r.destination} ${r.targetType}:${r.targetId}`)).toEqual([
      '10.20.0.0/16 local:local',
      `10.99.0.0/16 pcx:${A.peeringId}`,
      '10.21.0.0/16 local:local',
    ])
  })

  it('describePeerings asks as requester and as accepter and keeps one copy of each connection', async () => {
    const { ec2, calls } = await callsFor(replay(WORLD_A))
    const peerings = value(await calls.describePeerings(A.eksVpcId, opts(A.region)))
    expect(ec2.requests.map((r) => r.params['Filter.1.Name']).sort()).toEqual(['accepter-vpc-info.vpc-id', 'requester-vpc-info.vpc-id'])
    expect(peerings).toEqual([
      {
        id: A.peeringId,
        status: 'active',
        statusMessage: 'Active',
        requester: { vpcId: A.eksVpcId, ownerId: '123456789012', region: 'eu-west-1', cidrs: ['10.20.0.0/16'], allowDnsResolutionFromRemoteVpc: true },
        accepter: { vpcId: A.vpnVpcId, ownerId: '123456789012', region: 'eu-west-1', cidrs: ['10.99.0.0/16'], allowDnsResolutionFromRemoteVpc: true },
      },
    ])
  })

  it('describeNacls: the custom NACL with 443 in, ephemeral ports out and the * denies', async () => {
    const { calls } = await callsFor(replay(WORLD_A))
    expect(value(await calls.describeNacls(A.eksSubnetIds, opts(A.region)))).toEqual([
      {
        id: A.naclId,
        vpcId: A.eksVpcId,
        isDefault: false,
        subnetIds: A.eksSubnetIds,
        entries: [
          { ruleNumber: 100, egress: false, protocol: '6', action: 'allow', cidr: '10.99.0.0/16', ipv6Cidr: undefined, fromPort: 443, toPort: 443 },
          { ruleNumber: 100, egress: true, protocol: '6', action: 'allow', cidr: '10.99.0.0/16', ipv6Cidr: undefined, fromPort: 1024, toPort: 65535 },
          { ruleNumber: 32767, egress: false, protocol: '-1', action: 'deny', cidr: '0.0.0.0/0', ipv6Cidr: undefined, fromPort: undefined, toPort: undefined },
          { ruleNumber: 32767, egress: true, protocol: '-1', action: 'deny', cidr: '0.0.0.0/0', ipv6Cidr: undefined, fromPort: undefined, toPort: undefined },
        ],
      },
    ])
  })

  it.each([
    { by: { privateIp: '10.99.0.10' }, filter: 'private-ip-address' },
    { by: { instanceId: 'i-2f7ab6a8b06e9d7bc' }, filter: undefined },
  ])('describeInstance by $by: the router with source/dest check off, its group and Name tag', async ({ by, filter }) => {
    const { ec2, calls } = await callsFor(replay(WORLD_A))
    expect(value(await calls.describeInstance(by, opts(A.region)))).toEqual({
      id: A.routerInstanceId,
      privateIp: '10.99.0.10',
      privateIps: ['10.99.0.10'],
      privateDnsName: 'ip-10-99-0-10.eu-west-1.compute.internal',
      subnetId: A.vpnSubnetId,
      vpcId: A.vpnVpcId,
      sourceDestCheck: false,
      groupIds: [A.routerSg],
      state: 'running',
      name: 'payments-prod-tailscale-router',
    })
    expect(ec2.requests[0]?.params['Filter.1.Name']).toBe(filter)
  })

  it('describeInstance with no match is undefined, not an error', async () => {
    const { calls } = await callsFor(replay(WORLD_A))
    expect(value(await calls.describeInstance({ privateIp: '10.255.255.254' }, opts(A.region)))).toBeUndefined()
  })
})

describe('EC2 mappers on moto world B (ap-northeast-2: TGW route, DNS off, NACL deny, check on, pending peering)', () => {
  it('describeRouteTables of the cluster VPC: eni, pcx and tgw targets and the implicit main table', async () => {
    const { calls } = await callsFor(replay(WORLD_B))
    const tables = value(await calls.describeRouteTables({ vpcId: B.eksVpcId }, opts(B.region)))
    expect(tables.map((t) => [t.id, t.main, t.subnetIds])).toEqual([
      [B.eksMainRouteTableId, true, []],
      [B.eksRouteTableIds[0], false, [B.eksSubnetIds[0]]],
      [B.eksRouteTableIds[1], false, [B.eksSubnetIds[1]]],
    ])
    // moto keeps a route to a deleted ENI 'active' (AWS says blackhole): the mapper reports what it is told.
    expect(tables[1]?.routes[1]).toEqual({ destination: '172.31.0.0/16', prefixListId: undefined, targetType: 'eni', targetId: B.deadEni, state: 'active' })
    expect(tables[2]?.routes.slice(1)).toEqual([
      { destination: '172.31.0.0/16', prefixListId: undefined, targetType: 'pcx', targetId: B.peeringId, state: 'active' },
      { destination: '192.168.0.0/16', prefixListId: undefined, targetType: 'tgw', targetId: B.tgwId, state: 'active' },
    ])
  })

  it('describePeerings: the active one with DNS off on both sides and a pending-acceptance one', async () => {
    const { calls } = await callsFor(replay(WORLD_B))
    const peerings = value(await calls.describePeerings(B.eksVpcId, opts(B.region)))
    expect(peerings).toEqual([
      {
        id: B.peeringId,
        status: 'active',
        statusMessage: 'Active',
        requester: { vpcId: B.eksVpcId, ownerId: '123456789012', region: 'ap-northeast-2', cidrs: ['10.0.0.0/16'], allowDnsResolutionFromRemoteVpc: false },
        accepter: { vpcId: B.vpnVpcId, ownerId: '123456789012', region: 'ap-northeast-2', cidrs: ['172.31.0.0/16'], allowDnsResolutionFromRemoteVpc: false },
      },
      {
        id: B.pendingPeeringId,
        status: 'pending-acceptance',
        statusMessage: 'Pending Acceptance by 123456789012',
        requester: { vpcId: B.otherVpcId, ownerId: '123456789012', region: 'ap-northeast-2', cidrs: ['10.50.0.0/16'], allowDnsResolutionFromRemoteVpc: false },
        accepter: { vpcId: B.eksVpcId, ownerId: '123456789012', region: 'ap-northeast-2', cidrs: ['10.0.0.0/16'], allowDnsResolutionFromRemoteVpc: false },
      },
    ])
  })

  it('describeNacls: the deny at rule 50 ahead of the allow at 100', async () => {
    const { calls } = await callsFor(replay(WORLD_B))
    const [nacl] = value(await calls.describeNacls(B.eksSubnetIds, opts(B.region)))
    expect(nacl?.id).toBe(B.naclId)
    expect(nacl?.subnetIds).toEqual([B.eksSubnetIds[1], B.eksSubnetIds[0]])
    expect(nacl?.entries.filter((e) => !e.egress && e.ruleNumber < 32767)).toEqual([
      { ruleNumber: 100, egress: false, protocol: '6', action: 'allow', cidr: '172.31.0.0/16', ipv6Cidr: undefined, fromPort: 443, toPort: 443 },
      { ruleNumber: 50, egress: false, protocol: '6', action: 'deny', cidr: '172.31.0.0/16', ipv6Cidr: undefined, fromPort: 443, toPort: 443 },
    ])
  })

  it("describeInstance: source/dest check on; moto leaves the instance-level groupSet empty, so the interface's groups stand in", async () => {
    const { calls } = await callsFor(replay(WORLD_B))
    expect(value(await calls.describeInstance({ privateIp: '172.31.40.7' }, opts(B.region)))).toEqual({
      id: B.routerInstanceId,
      privateIp: '172.31.40.7',
      privateIps: ['172.31.40.7'],
      privateDnsName: 'ip-172-31-40-7.ap-northeast-2.compute.internal',
      subnetId: B.vpnSubnetId,
      vpcId: B.vpnVpcId,
      sourceDestCheck: true,
      groupIds: ['sg-3a18bd2bfcfa1dcd0'],
      state: 'running',
      name: 'eks-secure-infra-dev-tailscale-router',
    })
  })

  it('describeSecurityGroups keeps EC2 order; describeVpcs one CIDR; describeEndpointEnis two zones', async () => {
    const { calls } = await callsFor(replay(WORLD_B))
    const groups = value(await calls.describeSecurityGroups([B.clusterSgId, B.additionalSgId], opts(B.region)))
    expect(groups.map((g) => g.id)).toEqual([B.additionalSgId, B.clusterSgId])
    expect(groups[1]?.ingress[0]).toMatchObject({ protocol: 'tcp', fromPort: 443, toPort: 443, cidrs: ['172.31.0.0/16'], prefixListIds: [], groups: [] })
    const [vpc] = value(await calls.describeVpcs([B.eksVpcId], { ...opts(B.region), attributes: true }))
    expect(vpc).toMatchObject({ cidrs: ['10.0.0.0/16'], enableDnsSupport: true, enableDnsHostnames: true, dnsServers: ['AmazonProvidedDNS'] })
    const enis = value(await calls.describeEndpointEnis(B.cluster, opts(B.region)))
    // In the order EC2 lists them (here the second subnet's first).
    expect(enis.map((e) => [e.privateIps, e.az])).toEqual([
      [['10.0.11.42'], 'ap-northeast-2b'],
      [['10.0.10.239'], 'ap-northeast-2a'],
    ])
  })

  it('a session token from the provider chain is sent as X-Amz-Security-Token', async () => {
    process.env.AWS_SESSION_TOKEN = SESSION_TOKEN
    try {
      const { ec2, calls } = await callsFor(replay(WORLD_B), { AWS_SESSION_TOKEN: SESSION_TOKEN })
      value(await calls.describeEndpointEnis(B.cluster, opts(B.region)))
      const req = ec2.requests[0] as Seen
      expect(req.headers['x-amz-security-token']).toBe(SESSION_TOKEN)
      expect(checkSigV4(req, SECRET_KEY)).toMatchObject({ region: B.region, valid: true })
    } finally {
      delete process.env.AWS_SESSION_TOKEN
    }
  })
})

describe('EC2 mappers on the published samples', () => {
  const fixed = (body: string) => () => ({ status: 200, body })

  it('boto test data: blackhole routes to an ENI and to a peering; a table without <main> is not main', async () => {
    const { calls } = await callsFor(fixed(published('boto-describe-route-tables-blackhole')))
    const tables = value(await calls.describeRouteTables({ vpcId: 'vpc-11ad4878' }, opts('us-east-1')))
    expect(tables.map((t) => [t.id, t.main, t.subnetIds])).toEqual([
      ['rtb-13ad487a', true, []],
      ['rtb-f9ad4890', false, ['subnet-15ad487c']],
    ])
    expect(tables[1]?.routes).toEqual([
      { destination: '10.0.0.0/22', prefixListId: undefined, targetType: 'local', targetId: 'local', state: 'active' },
      { destination: '0.0.0.0/0', prefixListId: undefined, targetType: 'igw', targetId: 'igw-eaad4883', state: 'active' },
      { destination: '10.0.0.0/21', prefixListId: undefined, targetType: 'eni', targetId: 'eni-884ec1d1', state: 'blackhole' },
      { destination: '11.0.0.0/22', prefixListId: undefined, targetType: 'pcx', targetId: 'pcx-efc52b86', state: 'blackhole' },
    ])
  })

  it('EC2 API reference DescribeRouteTables: an igw /32 route and the main association', async () => {
    const { calls } = await callsFor(fixed(published('ec2-api-reference-describe-route-tables')))
    const [table] = value(await calls.describeRouteTables({ vpcId: 'vpc-12345678912345678' }, opts('us-east-1')))
    expect(table).toMatchObject({ id: 'rtb-1122334455667788a', main: true, subnetIds: [] })
    expect(table?.routes.map((r) => `${r.destination} ${r.targetType}:${r.targetId}`)).toEqual([
      '10.0.1.0/32 igw:igw-012345678901abcdef',
      '172.31.0.0/16 local:local',
      '0.0.0.0/0 igw:igw-012345678901abcdef',
    ])
  })

  it('EC2 API reference DescribeSecurityGroups: a group referenced across a peering, ICMP -1', async () => {
    const { calls } = await callsFor(fixed(published('ec2-api-reference-describe-security-groups-peered-group')))
    const [group] = value(await calls.describeSecurityGroups(['sg-1a2b3c4d'], opts('us-east-1')))
    expect(group?.ingress).toEqual([
      { protocol: 'tcp', fromPort: 22, toPort: 22, cidrs: ['0.0.0.0/0'], ipv6Cidrs: [], prefixListIds: [], groups: [], description: undefined },
      {
        protocol: 'icmp',
        fromPort: -1,
        toPort: -1,
        cidrs: [],
        ipv6Cidrs: [],
        prefixListIds: [],
        groups: [{ groupId: 'sg-11aa22bb', userId: '111222333444', vpcPeeringConnectionId: 'pcx-11223344' }],
        description: undefined,
      },
    ])
  })

  it('EC2 API reference DescribeSecurityGroups: a rule description and all traffic from itself', async () => {
    const { calls } = await callsFor(fixed(published('ec2-api-reference-describe-security-groups-rule-description')))
    const [group] = value(await calls.describeSecurityGroups(['sg-bcc24bcd'], opts('us-east-1')))
    expect(group).toMatchObject({ id: 'sg-bcc24bcd', name: 'default', vpcId: 'vpc-a33cbfda' })
    expect(group?.ingress.map((r) => [r.protocol, r.fromPort, r.cidrs, r.groups.map((g) => g.groupId), r.description])).toEqual([
      ['-1', undefined, [], ['sg-bcc24bcd'], undefined],
      ['tcp', 3389, ['203.0.113.0/24'], [], 'RDP access from B network'],
    ])
  })

  it('EC2 API reference DescribeVpcPeeringConnections: cross-account, DNS option only on the accepter side', async () => {
    const { calls } = await callsFor(fixed(published('ec2-api-reference-describe-vpc-peering-connections')))
    expect(value(await calls.describePeerings('vpc-aa22cc33', opts('us-east-1')))).toEqual([
      {
        id: 'pcx-111aaa22',
        status: 'active',
        statusMessage: 'Active',
        requester: { vpcId: 'vpc-1a2b3c4d', ownerId: '777788889999', region: undefined, cidrs: ['172.31.0.0/16'], allowDnsResolutionFromRemoteVpc: undefined },
        accepter: { vpcId: 'vpc-aa22cc33', ownerId: '123456789012', region: undefined, cidrs: ['10.0.0.0/16'], allowDnsResolutionFromRemoteVpc: false },
      },
    ])
  })

  it('EC2 API reference DescribeNetworkAcls: default NACLs, all-traffic rules without port ranges', async () => {
    const { calls } = await callsFor(fixed(published('ec2-api-reference-describe-network-acls')))
    const nacls = value(await calls.describeNacls(['subnet-0931fc2fa5EXAMPLE'], opts('us-east-1')))
    expect(nacls.map((n) => [n.id, n.isDefault, n.subnetIds])).toEqual([
      ['acl-0ea1f54ca7EXAMPLE', true, ['subnet-0931fc2fa5EXAMPLE']],
      ['acl-09a47ac966EXAMPLE', true, []],
    ])
    expect(nacls[0]?.entries).toEqual([
      { ruleNumber: 100, egress: true, protocol: '-1', action: 'allow', cidr: '0.0.0.0/0', ipv6Cidr: undefined, fromPort: undefined, toPort: undefined },
      { ruleNumber: 32767, egress: true, protocol: '-1', action: 'deny', cidr: '0.0.0.0/0', ipv6Cidr: undefined, fromPort: undefined, toPort: undefined },
      { ruleNumber: 100, egress: false, protocol: '-1', action: 'allow', cidr: '0.0.0.0/0', ipv6Cidr: undefined, fromPort: undefined, toPort: undefined },
      { ruleNumber: 32767, egress: false, protocol: '-1', action: 'deny', cidr: '0.0.0.0/0', ipv6Cidr: undefined, fromPort: undefined, toPort: undefined },
    ])
  })
})

describe('EC2 mappers: errors and pages', () => {
  it.each([
    { body: () => moto('error-invalid-vpc-id').body, errorName: 'InvalidVpcID.NotFound', code: 'AWS_ERROR' },
    {
      // The documented error body with the code EC2 gives a principal without ec2:DescribeVpcs.
      body: () =>
        published('ec2-api-reference-error-invalid-instance-id')
          .replace('InvalidInstanceID.NotFound', 'UnauthorizedOperation')
          .replace("The instance ID 'i-1a2b3c4d' does not exist", 'You are not authorized to perform this operation.'),
      errorName: 'UnauthorizedOperation',
      code: 'AWS_ACCESS_DENIED',
    },
  ])('an error body becomes an AwsFailure: $errorName → $code, with the action', async ({ body, errorName, code }) => {
    const { calls } = await callsFor(() => ({ status: 400, body: body() }))
    const result = await calls.describeVpcs(['vpc-0123456789abcdef0'], opts('eu-west-1'))
    expect(result).toMatchObject({ ok: false, code, errorName, action: 'ec2:DescribeVpcs' })
  })

  it('follows nextToken to the next page, with the same filter', async () => {
    const page = moto('a-describe-network-interfaces').body
    // Derived: the recorded page with a nextToken, as EC2 writes it after the list.
    const first = page.replace('</networkInterfaceSet>', '</networkInterfaceSet><nextToken>eyJ2IjoiMiIsImMiOiJwYWdlLTIifQ==</nextToken>')
    const { ec2, calls } = await callsFor((_req, i) => ({ status: 200, body: i === 0 ? first : page }))
    const enis = value(await calls.describeEndpointEnis(A.cluster, opts(A.region)))
    expect(enis.map((e) => e.id)).toEqual([...A.endpointEniIds, ...A.endpointEniIds])
    expect(ec2.requests).toHaveLength(2)
    expect(ec2.requests[0]?.params.NextToken).toBeUndefined()
    expect(ec2.requests[1]?.params).toMatchObject({ NextToken: 'eyJ2IjoiMiIsImMiOiJwYWdlLTIifQ==', 'Filter.1.Value.1': 'Amazon EKS payments-prod' })
  })
})
