/**
 * A failed AWS call says what failed: the socket's own error (ECONNREFUSED, ECONNRESET, a TLS
 * code) rather than a wrapper's "fetch failed", and the request id AWS gave the request, for the
 * SDK clients and the EC2 Query client alike; each failure keeps its stable code.
 */
import { createServer, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest'
import { classifyAwsError } from '../../../src/aws/call.js'
import { createAwsClients } from '../../../src/aws/clients.js'
import { findClosedPort } from '../../helpers/fault-servers.js'

const NO_FILES = { homedir: '/nonexistent-home', readText: async () => undefined }
const call = { region: 'eu-west-1', timeoutMs: 8_000 }
const saved = { ...process.env }
const servers: Server[] = []

beforeAll(() => {
  for (const name of Object.keys(process.env)) if (/^AWS_|_PROXY$/i.test(name)) delete process.env[name]
  Object.assign(process.env, { AWS_ACCESS_KEY_ID: 'AKIDERRORSTEST000001', AWS_SECRET_ACCESS_KEY: 'errors-test-secret', AWS_EC2_METADATA_DISABLED: 'true' })
})
afterAll(() => {
  process.env = saved
})
afterEach(async () => {
  await Promise.all(servers.splice(0).map((s) => new Promise((resolve) => (s.closeAllConnections(), s.close(resolve)))))
})

async function answering(status: number, headers: Record<string, string>, body: string): Promise<string> {
  const server = createServer((req, res) => {
    req.resume()
    res.writeHead(status, headers)
    res.end(body)
  })
  servers.push(server)
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`
}

describe('a refused connection', () => {
  it.each([
    { client: 'EKS (SDK)', run: (aws: ReturnType<typeof createAwsClients>) => aws.describeCluster('ledger-prod', call), action: 'eks:DescribeCluster' },
    { client: 'STS (SDK)', run: (aws: ReturnType<typeof createAwsClients>) => aws.getCallerIdentity(call), action: 'sts:GetCallerIdentity' },
    { client: 'EC2 (Query)', run: (aws: ReturnType<typeof createAwsClients>) => aws.describeVpcs(['vpc-1'], call), action: 'ec2:DescribeVpcs' },
  ])('$client keeps ECONNREFUSED and the address, after its retries', async ({ run, action }) => {
    const port = await findClosedPort()
    const url = `http://127.0.0.1:${port}`
    const result = await run(createAwsClients({ AWS_ENDPOINT_URL: url }, NO_FILES))
    expect(result).toMatchObject({ ok: false, code: 'AWS_ERROR', errorName: 'ECONNREFUSED', action })
    expect(!result.ok && result.message).toBe(`${action} could not reach AWS: connect ECONNREFUSED 127.0.0.1:${port}`)
  })
})

describe('the request id', () => {
  it('EKS: AccessDeniedException keeps its code and the x-amzn-requestid', async () => {
    const url = await answering(403, { 'content-type': 'application/json', 'x-amzn-errortype': 'AccessDeniedException', 'x-amzn-requestid': '7d3a0c35-0d58-4b61-9a51-6a0a6d9a1c01' }, JSON.stringify({ message: 'User is not authorized to perform: eks:DescribeCluster' }))
    const result = await createAwsClients({ AWS_ENDPOINT_URL_EKS: url }, NO_FILES).describeCluster('ledger-prod', call)
    expect(result).toMatchObject({ ok: false, code: 'AWS_ACCESS_DENIED', errorName: 'AccessDeniedException', requestId: '7d3a0c35-0d58-4b61-9a51-6a0a6d9a1c01' })
  })

  it('STS: the x-amzn-RequestId STS sends with its Query error body', async () => {
    const body = '<ErrorResponse xmlns="https://sts.amazonaws.com/doc/2011-06-15/"><Error><Type>Sender</Type><Code>ExpiredToken</Code><Message>The security token included in the request is expired</Message></Error><RequestId>c6104cbe-af31-11e0-8154-cbc7ccf896c7</RequestId></ErrorResponse>'
    const url = await answering(403, { 'content-type': 'text/xml', 'x-amzn-RequestId': 'c6104cbe-af31-11e0-8154-cbc7ccf896c7' }, body)
    const result = await createAwsClients({ AWS_ENDPOINT_URL_STS: url }, NO_FILES).getCallerIdentity(call)
    expect(result).toMatchObject({ ok: false, code: 'AWS_EXPIRED_TOKEN', errorName: 'ExpiredToken', requestId: 'c6104cbe-af31-11e0-8154-cbc7ccf896c7' })
  })

  it('EC2: the RequestID of its error body (no header needed)', async () => {
    const body = '<Response><Errors><Error><Code>UnauthorizedOperation</Code><Message>You are not authorized to perform this operation.</Message></Error></Errors><RequestID>c8bd2f3a-0000-4000-8000-ec2000000001</RequestID></Response>'
    const url = await answering(403, { 'content-type': 'text/xml' }, body)
    const result = await createAwsClients({ AWS_ENDPOINT_URL_EC2: url }, NO_FILES).describeVpcs(['vpc-1'], call)
    expect(result).toMatchObject({ ok: false, code: 'AWS_ACCESS_DENIED', errorName: 'UnauthorizedOperation', requestId: 'c8bd2f3a-0000-4000-8000-ec2000000001' })
  })
})

describe('classifyAwsError', () => {
  const refused = Object.assign(new Error('connect ECONNREFUSED 10.0.0.1:443'), { code: 'ECONNREFUSED' })
  it.each([
    { what: "fetch's TypeError keeps its cause", error: new TypeError('fetch failed', { cause: refused }), code: 'AWS_ERROR', errorName: 'ECONNREFUSED', message: 'x:Y could not reach AWS: connect ECONNREFUSED 10.0.0.1:443' },
    {
      what: 'the SDK calls a reset connection a TimeoutError; it stays a reset',
      error: Object.assign(new Error('socket hang up'), { name: 'TimeoutError', code: 'ECONNRESET' }),
      code: 'AWS_ERROR',
      errorName: 'ECONNRESET',
      message: 'x:Y could not reach AWS: ECONNRESET: socket hang up',
    },
    { what: 'ETIMEDOUT is a timeout', error: Object.assign(new Error('connect ETIMEDOUT 10.0.0.1:443'), { code: 'ETIMEDOUT' }), code: 'AWS_TIMEOUT', errorName: 'ETIMEDOUT', message: 'x:Y did not answer in time: connect ETIMEDOUT 10.0.0.1:443' },
    {
      what: 'a TLS code, with the fix for an inspecting proxy',
      error: Object.assign(new Error('self-signed certificate in certificate chain'), { code: 'SELF_SIGNED_CERT_IN_CHAIN' }),
      code: 'AWS_ERROR',
      errorName: 'SELF_SIGNED_CERT_IN_CHAIN',
      message: 'x:Y could not reach AWS: SELF_SIGNED_CERT_IN_CHAIN: self-signed certificate in certificate chain (a TLS-inspecting proxy needs its CA in AWS_CA_BUNDLE or NODE_EXTRA_CA_CERTS)',
    },
    { what: 'an SDK service error keeps its request id', error: Object.assign(new Error('Cluster not found'), { name: 'ResourceNotFoundException', $metadata: { requestId: 'r-1' } }), code: 'CLUSTER_NOT_FOUND', errorName: 'ResourceNotFoundException', message: 'Cluster not found' },
  ])('$what', ({ error, code, errorName, message }) => {
    expect(classifyAwsError(error, 'x:Y')).toMatchObject({ code, errorName, message })
  })

  it('the request id travels with the failure', () => {
    expect(classifyAwsError(Object.assign(new Error('nope'), { name: 'ThrottlingException', $metadata: { requestId: 'r-9' } }), 'eks:ListClusters')).toMatchObject({ code: 'AWS_ERROR', requestId: 'r-9' })
  })
})
