/** Authenticated calls to the Kubernetes API, over the same pinned TLS path the probes checked. */
import type { HttpResult, ProbeEnv } from '../platform/env.js'

export interface KubeCall {
  endpoint: URL
  /** The endpoint IP to dial, as the network checks resolved it. */
  ip?: string
  caPem?: string
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

export async function postKube(env: ProbeEnv, call: KubeCall, path: string, body: unknown): Promise<HttpResult & { json?: unknown }> {
  const result = await env.http.request({
    url: new URL(path, call.endpoint).toString(),
    ip: call.ip,
    caPem: call.caPem,
    insecure: !call.caPem,
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
