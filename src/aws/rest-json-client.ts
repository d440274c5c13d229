/**
 * EKS over its REST-JSON protocol: a GET signed with SigV4, a JSON answer, errors named by the
 * x-amzn-errortype header. The SDK's EKS client costs ~150 ms to load for the handful of reads
 * eksdoctor makes. The endpoint honours AWS_ENDPOINT_URL_EKS and AWS_ENDPOINT_URL.
 */
import { AwsQueryError, NodeSha256, type CredentialProvider } from './query-client.js'

export function eksEndpoint(region: string, vars: Readonly<Record<string, string | undefined>>): string {
  const configured = vars.AWS_ENDPOINT_URL_EKS ?? vars.AWS_ENDPOINT_URL
  if (configured) return configured.replace(/\/+$/, '')
  return `https://eks.${region}.amazonaws.com${region.startsWith('cn-') ? '.cn' : ''}`
}

export interface RestJsonClient {
  get<T>(path: string, query: Record<string, string | undefined>, signal: AbortSignal): Promise<T>
}

export function createEksRestClient(o: { region: string; credentials: CredentialProvider; vars: Readonly<Record<string, string | undefined>> }): RestJsonClient {
  const endpoint = new URL(eksEndpoint(o.region, o.vars))
  let signer: Promise<import('@smithy/signature-v4').SignatureV4> | undefined
  const getSigner = () =>
    (signer ??= import('@smithy/signature-v4').then(
      ({ SignatureV4 }) => new SignatureV4({ service: 'eks', region: o.region, credentials: o.credentials, sha256: NodeSha256 }),
    ))

  async function once<T>(path: string, query: Record<string, string>, signal: AbortSignal): Promise<T> {
    const base = endpoint.pathname.replace(/\/+$/, '')
    const request = {
      method: 'GET',
      protocol: endpoint.protocol,
      hostname: endpoint.hostname,
      port: endpoint.port ? Number(endpoint.port) : undefined,
      path: `${base}${path}`,
      query,
      headers: { host: endpoint.host, accept: 'application/json' },
    }
    const signed = await (await getSigner()).sign(request)
    const url = new URL(`${endpoint.protocol}//${endpoint.host}${base}${path}`)
    for (const [key, value] of Object.entries(query)) url.searchParams.set(key, value)
    const response = await fetch(url, { method: 'GET', headers: signed.headers as Record<string, string>, signal })
    const text = await response.text()
    if (response.ok) return (text ? JSON.parse(text) : {}) as T
    let body: { message?: string; Message?: string; __type?: string } = {}
    try {
      body = JSON.parse(text)
    } catch {
      body = {}
    }
    const type = (response.headers.get('x-amzn-errortype') ?? body.__type ?? `HTTP${response.status}`).split(':')[0]?.split('#').pop() ?? 'Error'
    throw new AwsQueryError(type, body.message ?? body.Message ?? `${path} answered ${response.status}`, response.status)
  }

  return {
    async get<T>(path: string, query: Record<string, string | undefined>, signal: AbortSignal): Promise<T> {
      const clean = Object.fromEntries(Object.entries(query).filter((e): e is [string, string] => e[1] !== undefined))
      try {
        return await once<T>(path, clean, signal)
      } catch (error) {
        const retryable = error instanceof AwsQueryError && (error.status >= 500 || /Throttl|TooManyRequests/.test(error.name))
        if (!retryable || signal.aborted) throw error
        return once<T>(path, clean, signal)
      }
    },
  }
}
