/**
 * Retries as the SDK makes them: throttling and transient failures (5xx, a reset connection) are
 * retried with backoff, AWS_MAX_ATTEMPTS attempts in all (3 by default), in the standard or the
 * adaptive mode of AWS_RETRY_MODE, for the SDK's EKS client and the EC2 Query client alike, and
 * never past the call's time bound. A loopback server answers ThrottlingException (EKS) or
 * RequestLimitExceeded (EC2) a number of times, then succeeds, and records when each attempt came.
 */
import { createServer, type IncomingMessage, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest'
import { createAwsClients } from '../../../src/aws/clients.js'
import { readFixture } from '../../helpers/fake-env.js'

const NO_FILES = { homedir: '/nonexistent-home', readText: async () => undefined }
const call = { region: 'eu-west-1', timeoutMs: 15_000 }
const CLUSTER = JSON.stringify({ cluster: { name: 'ledger-prod', status: 'ACTIVE', endpoint: 'https://10.40.1.21', resourcesVpcConfig: { vpcId: 'vpc-1' } } })
const VPCS = (JSON.parse(readFixture('ec2/moto-5.2.1/a-describe-vpcs.json')) as { body: string }).body
const EC2_THROTTLED =
  '<?xml version="1.0" encoding="UTF-8"?><Response><Errors><Error><Code>RequestLimitExceeded</Code><Message>Request limit exceeded.</Message></Error></Errors><RequestID>0f1e2d3c-0000-4000-8000-00000000ec22</RequestID></Response>'

/** One attempt as the server saw it: when, and the SDK's attempt header (`attempt=2; max=3`). */
interface Attempt {
  at: number
  sdkRequest?: string
}

interface Flaky {
  url: string
  attempts: Attempt[]
  close(): Promise<void>
}

const servers: Flaky[] = []
afterEach(async () => {
  await Promise.all(servers.splice(0).map((s) => s.close()))
})

/** Fails the first `failures` attempts the way `fail` says, then answers `ok`. */
async function startFlaky(failures: number, fail: 'eks-throttle' | 'ec2-throttle' | 'reset' | 'eks-500', ok: { type: string; body: string }): Promise<Flaky> {
  const attempts: Attempt[] = []
  const server: Server = createServer((req: IncomingMessage, res) => {
    req.resume()
    attempts.push({ at: performance.now(), sdkRequest: req.headers['amz-sdk-request'] as string | undefined })
    if (attempts.length > failures) {
      res.writeHead(200, { 'content-type': ok.type })
      res.end(ok.body)
      return
    }
    if (fail === 'reset') {
      req.socket.destroy()
      return
    }
    if (fail === 'ec2-throttle') {
      res.writeHead(503, { 'content-type': 'text/xml' })
      res.end(EC2_THROTTLED)
      return
    }
    const [status, type] = fail === 'eks-500' ? [500, 'ServerException'] : [429, 'ThrottlingException']
    res.writeHead(status, { 'content-type': 'application/json', 'x-amzn-errortype': `${type}:http://internal.amazon.com/coral/com.amazonaws.eks/`, 'x-amzn-requestid': `req-${attempts.length}` })
    res.end(JSON.stringify({ message: type === 'ThrottlingException' ? 'Rate exceeded' : 'Internal failure' }))
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const flaky: Flaky = {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    attempts,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections()
        server.close(() => resolve())
      }),
  }
  servers.push(flaky)
  return flaky
}

const gaps = (attempts: Attempt[]) => attempts.slice(1).map((a, i) => a.at - (attempts[i] as Attempt).at)
const saved = { ...process.env }
beforeAll(() => {
  for (const name of Object.keys(process.env)) if (/^AWS_/.test(name)) delete process.env[name]
  Object.assign(process.env, { AWS_ACCESS_KEY_ID: 'AKIDRETRYTEST0000001', AWS_SECRET_ACCESS_KEY: 'retry-test-secret', AWS_EC2_METADATA_DISABLED: 'true' })
})
afterAll(() => {
  process.env = saved
})

const json = (body: string) => ({ type: 'application/json', body })

describe('EKS through the SDK client', () => {
  it.each(['standard', 'adaptive'])('ThrottlingException twice, then the answer: three attempts with backoff (AWS_RETRY_MODE=%s)', async (mode) => {
    const eks = await startFlaky(2, 'eks-throttle', json(CLUSTER))
    const result = await createAwsClients({ AWS_ENDPOINT_URL_EKS: eks.url, AWS_RETRY_MODE: mode }, NO_FILES).describeCluster('ledger-prod', call)
    expect(result).toMatchObject({ ok: true, value: { name: 'ledger-prod', vpcId: 'vpc-1' } })
    expect(eks.attempts.map((a) => a.sdkRequest)).toEqual(['attempt=1; max=3', 'attempt=2; max=3', 'attempt=3; max=3'])
    // Throttling backs off from a 1 s base with full jitter: an immediate retry comes within a few ms.
    expect(gaps(eks.attempts).reduce((a, b) => a + b, 0)).toBeGreaterThan(20)
  })

  it('AWS_MAX_ATTEMPTS=2: the second throttle is the answer, with its code and request id', async () => {
    const eks = await startFlaky(5, 'eks-throttle', json(CLUSTER))
    const result = await createAwsClients({ AWS_ENDPOINT_URL_EKS: eks.url, AWS_MAX_ATTEMPTS: '2' }, NO_FILES).describeCluster('ledger-prod', call)
    expect(result).toMatchObject({ ok: false, code: 'AWS_ERROR', errorName: 'ThrottlingException', requestId: 'req-2', action: 'eks:DescribeCluster' })
    expect(eks.attempts).toHaveLength(2)
  })

  it('max_attempts and retry_mode from the profile, as the SDK reads them', async () => {
    const eks = await startFlaky(5, 'eks-500', json(CLUSTER))
    const files = { homedir: '/home/op', readText: async (path: string) => (path === '/home/op/.aws/config' ? '[default]\nmax_attempts = 4\nretry_mode = adaptive\n' : undefined) }
    const result = await createAwsClients({ AWS_ENDPOINT_URL_EKS: eks.url }, files).describeCluster('ledger-prod', call)
    expect(result).toMatchObject({ ok: false, errorName: 'ServerException', requestId: 'req-4' })
    expect(eks.attempts.map((a) => a.sdkRequest)).toEqual(['attempt=1; max=4', 'attempt=2; max=4', 'attempt=3; max=4', 'attempt=4; max=4'])
  })

  it('a connection reset on the first attempt is retried', async () => {
    const eks = await startFlaky(1, 'reset', json(CLUSTER))
    const result = await createAwsClients({ AWS_ENDPOINT_URL_EKS: eks.url }, NO_FILES).describeCluster('ledger-prod', call)
    expect(result.ok).toBe(true)
    expect(eks.attempts).toHaveLength(2)
  })

  it('the time bound covers the retries and their backoff', async () => {
    const eks = await startFlaky(100, 'eks-throttle', json(CLUSTER))
    const started = performance.now()
    const result = await createAwsClients({ AWS_ENDPOINT_URL_EKS: eks.url, AWS_MAX_ATTEMPTS: '50' }, NO_FILES).describeCluster('ledger-prod', { ...call, timeoutMs: 400 })
    expect(result).toMatchObject({ ok: false, code: 'AWS_TIMEOUT' })
    expect(performance.now() - started).toBeLessThan(1_500)
  })
})

describe('EC2 through the Query client', () => {
  const xml = (body: string) => ({ type: 'text/xml;charset=UTF-8', body })

  it('RequestLimitExceeded twice, then the answer: three attempts with backoff', async () => {
    const ec2 = await startFlaky(2, 'ec2-throttle', xml(VPCS))
    const result = await createAwsClients({ AWS_ENDPOINT_URL_EC2: ec2.url }, NO_FILES).describeVpcs(['vpc-ad871a1e0da75dbf5'], call)
    expect(result.ok && result.value.map((v) => v.id)).toEqual(['vpc-ad871a1e0da75dbf5'])
    expect(ec2.attempts).toHaveLength(3)
    expect(gaps(ec2.attempts).reduce((a, b) => a + b, 0)).toBeGreaterThan(20)
  })

  it('AWS_MAX_ATTEMPTS=1: no retry; the failure keeps the code and the request id', async () => {
    const ec2 = await startFlaky(5, 'ec2-throttle', xml(VPCS))
    const result = await createAwsClients({ AWS_ENDPOINT_URL_EC2: ec2.url, AWS_MAX_ATTEMPTS: '1' }, NO_FILES).describeVpcs(['vpc-1'], call)
    expect(result).toMatchObject({ ok: false, code: 'AWS_ERROR', errorName: 'RequestLimitExceeded', requestId: '0f1e2d3c-0000-4000-8000-00000000ec22' })
    expect(ec2.attempts).toHaveLength(1)
  })

  it('a connection reset is retried, then the time bound ends a server that keeps resetting', async () => {
    const once = await startFlaky(1, 'reset', xml(VPCS))
    expect((await createAwsClients({ AWS_ENDPOINT_URL_EC2: once.url }, NO_FILES).describeVpcs(['vpc-1'], call)).ok).toBe(true)
    expect(once.attempts).toHaveLength(2)
    const always = await startFlaky(1_000, 'reset', xml(VPCS))
    const result = await createAwsClients({ AWS_ENDPOINT_URL_EC2: always.url }, NO_FILES).describeVpcs(['vpc-1'], call)
    expect(result).toMatchObject({ ok: false, code: 'AWS_ERROR', errorName: 'ECONNRESET' })
    expect(always.attempts).toHaveLength(3)
  })
})
