/**
 * The checks that send the EKS token (authn.whoami, authz.access-review) send it only over TLS that
 * is verified: against the cluster CA, or for a bare --endpoint the default trusted CAs; with
 * neither they send nothing and skip, saying why. The fake env records every request made.
 */
import { describe, expect, it } from 'vitest'
import type { CheckResult } from '../../../../src/engine/types.js'
import type { HttpRequest } from '../../../../src/platform/env.js'
import { NO_TRUST_REASON } from '../../../../src/kube/api-client.js'
import { whoamiProbe } from '../../../../src/probes/authn/whoami.js'
import { accessReviewProbe } from '../../../../src/probes/authz/access-review.js'
import type { ResolvedEndpoint } from '../../../../src/probes/dns/system.js'
import { clusterInfo, fakeEnv, runProbe, type FakeEnv, type FakeEnvOptions, type RunProbeInput } from '../../../helpers/fake-env.js'

const ENDPOINT = 'https://f00dface0000111122223333abcdef01.yl4.eu-west-1.eks.amazonaws.com'
const IP = '172.20.3.4'
const CLUSTER_CA = '-----BEGIN CERTIFICATE-----\nCLUSTER-CA\n-----END CERTIFICATE-----\n'
// A stand-in: the real token never reaches a unit test.
const TOKEN = 'k8s-aws-v1.not-a-real-token'
const REVIEW_URL = `${ENDPOINT}/apis/authentication.k8s.io/v1/selfsubjectreviews @${IP}`
const ACCESS_URL = `${ENDPOINT}/apis/authorization.k8s.io/v1/selfsubjectaccessreviews @${IP}`
const REVIEW_BODY = JSON.stringify({ status: { userInfo: { username: 'arn:aws:sts::111122223333:assumed-role/ops/s', groups: ['system:authenticated'] } } })
const ALLOWED_BODY = JSON.stringify({ status: { allowed: true, reason: 'EKS Access Policy' } })

type Trust = 'cluster-ca' | 'bare-endpoint' | 'none'

const resolved: ResolvedEndpoint = { host: new URL(ENDPOINT).hostname, port: 443, ips: [IP], isIpLiteral: false }

function inputs(trust: Trust, http: NonNullable<FakeEnvOptions['http']>): RunProbeInput & { env: FakeEnv } {
  const env = fakeEnv({ http })
  return {
    env,
    target: trust === 'bare-endpoint' ? { endpoint: ENDPOINT, sources: { endpoint: '--endpoint' } } : { cluster: 'payments', region: 'eu-west-1', sources: {} },
    data: {
      'authn.token': { token: TOKEN, expiresAt: '2026-11-29T03:14:00.000Z' },
      'dns.system': resolved,
      // DescribeCluster either gave the CA, or (a kubeconfig without one, a CA AWS did not return) nothing.
      ...(trust === 'bare-endpoint' ? {} : { 'cluster.describe': clusterInfo({ name: 'payments', endpoint: ENDPOINT, ...(trust === 'cluster-ca' ? { caData: Buffer.from(CLUSTER_CA).toString('base64') } : {}) }) }),
    },
  }
}

/** What decides the TLS of a request: the CA it pins, whether verification is off, whether the token went. */
function tlsOf(request: HttpRequest) {
  return { caPem: request.caPem, insecure: request.insecure, sendsToken: Object.keys(request.headers ?? {}).some((h) => h.toLowerCase() === 'authorization') }
}

describe('authn.whoami sends the token only over verified TLS', () => {
  it('pins the cluster CA, verification on, when the CA is known', async () => {
    const input = inputs('cluster-ca', { [REVIEW_URL]: { ok: true, status: 201, body: REVIEW_BODY } })
    const outcome = await runProbe(whoamiProbe, input)
    expect(outcome.status).toBe('pass')
    expect(input.env.record.requests.map(tlsOf)).toEqual([{ caPem: CLUSTER_CA, insecure: false, sendsToken: true }])
  })

  it('verifies a bare --endpoint against the default trusted CAs: no CA pinned, verification on', async () => {
    const input = inputs('bare-endpoint', { [REVIEW_URL]: { ok: true, status: 201, body: REVIEW_BODY } })
    const outcome = await runProbe(whoamiProbe, input)
    expect(outcome.status).toBe('pass')
    expect(input.env.record.requests.map(tlsOf)).toEqual([{ caPem: undefined, insecure: false, sendsToken: true }])
  })

  it('sends nothing without a CA when the endpoint is not a bare --endpoint, and skips saying why', async () => {
    const input = inputs('none', {})
    const outcome = await runProbe(whoamiProbe, input)
    expect(outcome).toMatchObject({ status: 'skip', detail: NO_TRUST_REASON })
    expect(outcome.detail).toContain('never sent over unverified TLS')
    expect(input.env.record.requests).toEqual([])
  })

  it('fails tls, naming --ca-file, when the certificate does not verify against the default CAs', async () => {
    const input = inputs('bare-endpoint', { [REVIEW_URL]: { ok: false, code: 'TLS_UNKNOWN_CA', message: 'unable to verify the first certificate' } })
    const outcome = await runProbe(whoamiProbe, input)
    expect(outcome).toMatchObject({ status: 'fail', code: 'TLS_UNKNOWN_CA', category: 'tls' })
    expect(outcome.detail).toBe(
      "the token was not sent: the API server's certificate does not verify against the default trusted CAs (pass --ca-file with the cluster CA) (unable to verify the first certificate)",
    )
  })
})

describe('authz.access-review sends the token only over verified TLS', () => {
  it('pins the cluster CA on every review when the CA is known', async () => {
    const input = inputs('cluster-ca', { [ACCESS_URL]: { ok: true, status: 201, body: ALLOWED_BODY } })
    const outcome = await runProbe(accessReviewProbe, input)
    expect(outcome.status).toBe('pass')
    expect(input.env.record.requests.map(tlsOf)).toEqual(Array.from({ length: 3 }, () => ({ caPem: CLUSTER_CA, insecure: false, sendsToken: true })))
  })

  it('sends nothing without a CA, and skips saying why', async () => {
    const input = inputs('none', {})
    const outcome = await runProbe(accessReviewProbe, input)
    expect(outcome).toMatchObject({ status: 'skip', detail: NO_TRUST_REASON })
    expect(input.env.record.requests).toEqual([])
  })

  it('reports a review that got no answer as no answer, not as a denial', async () => {
    const input = inputs('bare-endpoint', { [ACCESS_URL]: { ok: false, code: 'TLS_UNKNOWN_CA', message: 'unable to verify the first certificate' } })
    const outcome = await runProbe(accessReviewProbe, input)
    expect(outcome).toMatchObject({ status: 'fail', code: 'TLS_UNKNOWN_CA', category: 'cluster' })
    expect(outcome.detail).toBe('SelfSubjectAccessReview got no answer: unable to verify the first certificate')
    expect(input.env.record.requests.map(tlsOf).every((r) => r.caPem === undefined && r.insecure === false)).toBe(true)
  })
})

describe('requests with the token on a path that drops large packets toward the server', () => {
  const handshake: CheckResult = { id: 'tls.handshake', layer: 'tls', title: 'TLS', status: 'fail', code: 'TLS_MTU_BLACKHOLE', detail: 'packets over some size are dropped on the way to the server', evidence: {}, durationMs: 1000 }
  const blackHole = { 'tls.handshake': handshake }
  const timedOut = { ok: false, code: 'HTTP_TIMEOUT' as const, message: 'no answer within 5000 ms' }

  it('whoami: no answer is the same broken link as the TLS check found, not one of its own', async () => {
    const input = inputs('cluster-ca', { [REVIEW_URL]: timedOut })
    const outcome = await runProbe(whoamiProbe, { ...input, results: blackHole })
    expect(outcome).toMatchObject({ status: 'fail', explainedBy: 'tls.handshake' })
    expect(outcome.detail).toBe('SelfSubjectReview got no answer: no answer within 5000 ms: the request carries the token and is larger than the path carries')
  })

  it('access-review: the same', async () => {
    const input = inputs('cluster-ca', { [ACCESS_URL]: timedOut })
    const outcome = await runProbe(accessReviewProbe, { ...input, results: blackHole })
    expect(outcome).toMatchObject({ status: 'fail', explainedBy: 'tls.handshake' })
  })

  it('without that finding, no answer stays a failure of its own', async () => {
    const input = inputs('cluster-ca', { [REVIEW_URL]: timedOut })
    const outcome = await runProbe(whoamiProbe, input)
    expect(outcome.explainedBy).toBeUndefined()
  })
})
