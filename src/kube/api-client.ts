/**
 * Authenticated calls to the Kubernetes API. The bearer token is a credential: it goes only over
 * TLS verified against the cluster CA, or, for a bare --endpoint without --ca-file, against the
 * default trusted CAs (Node's, as undici uses them), as kubectl verifies a server it has no CA for.
 */
import type { HttpResult, ProbeEnv } from '../platform/env.js'

/** What the API server's certificate is verified against before the token goes out. */
export type KubeTrust = { kind: 'cluster-ca'; pem: string } | { kind: 'system' }

export interface KubeCall {
  endpoint: URL
  /** The endpoint IP to dial, as the network checks resolved it. */
  ip?: string
  trust: KubeTrust
  token: string
  timeoutMs: number
  signal?: AbortSignal
}

/** The parts of a Kubernetes Status object (401/403 bodies) worth reporting. */
export interface KubeStatus {
  code?: number
  reason?: string
  message?: string
}

export const NO_TRUST_REASON =
  "not run: there is no cluster CA to verify the API server's certificate against, and the token is never sent over unverified TLS (let eksdoctor read the cluster with DescribeCluster, or put the cluster's certificate-authority-data in the kubeconfig)"

/**
 * The trust a token may be sent under: the cluster CA when one is known; the system trust store
 * when the user named a bare endpoint (--endpoint without --ca-file), which may carry a public
 * certificate; otherwise none, with the sentence the calling check skips with.
 */
export function chooseKubeTrust(o: { caPem?: string; bareEndpoint: boolean }): KubeTrust | { kind: 'none'; reason: string } {
  if (o.caPem) return { kind: 'cluster-ca', pem: o.caPem }
  if (o.bareEndpoint) return { kind: 'system' }
  return { kind: 'none', reason: NO_TRUST_REASON }
}

/** Failures that mean the certificate was checked and refused: the token never left. */
export const UNVERIFIED_CODES = new Set(['TLS_UNKNOWN_CA', 'TLS_HOSTNAME_MISMATCH', 'TLS_EXPIRED'])

/** The CA set a failed verification was against, for the check's sentence. */
export function describeKubeTrust(trust: KubeTrust): string {
  return trust.kind === 'cluster-ca' ? 'the cluster CA' : 'the default trusted CAs (pass --ca-file with the cluster CA)'
}

export async function postKube(env: ProbeEnv, call: KubeCall, path: string, body: unknown): Promise<HttpResult & { json?: unknown }> {
  const result = await env.http.request({
    url: new URL(path, call.endpoint).toString(),
    ip: call.ip,
    // No `ca` at all leaves undici with Node's default CA set, and verification stays on.
    ...(call.trust.kind === 'cluster-ca' ? { caPem: call.trust.pem } : {}),
    insecure: false,
    method: 'POST',
    headers: { authorization: `Bearer ${call.token}`, 'content-type': 'application/json', accept: 'application/json' },
    body: JSON.stringify(body),
    timeoutMs: call.timeoutMs,
    signal: call.signal,
  })
  let json: unknown
  try {
    json = result.body ? JSON.parse(result.body) : undefined
  } catch {
    json = undefined
  }
  return { ...result, json }
}

export function statusOf(json: unknown): KubeStatus {
  const s = (json ?? {}) as KubeStatus & { kind?: string }
  return { code: s.code, reason: s.reason, message: s.message }
}
