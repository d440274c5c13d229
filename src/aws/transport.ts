/**
 * How eksdoctor's own AWS requests leave the machine: the SDK's NodeHttpHandler over node:http(s)
 * agents with Node's built-in proxy support (the `proxyEnv` agent option, Node 22.21 and 24.5 on),
 * which honours HTTPS_PROXY, HTTP_PROXY and NO_PROXY as the aws CLI does, and with the CA bundle
 * (AWS_CA_BUNDLE or the profile's ca_bundle) trusted beside Node's roots and NODE_EXTRA_CA_CERTS.
 * Every SDK client, the credential chain's SSO and STS calls and the EC2 Query client send
 * through it. Measured in bench/README.md: the built-in agent adds nothing to load, where
 * https-proxy-agent costs ~95 ms and hpagent ~15 ms.
 */
import { readFile } from 'node:fs/promises'
import { isIP } from 'node:net'
import { rootCertificates } from 'node:tls'

/** NodeHttpHandler's options (@smithy/node-http-handler), as far as eksdoctor sets them. */
export interface HttpHandlerOptions {
  connectionTimeout?: number
  httpAgent: Record<string, unknown>
  httpsAgent: Record<string, unknown>
}

type Vars = Readonly<Record<string, string | undefined>>

const PROXY_VARIABLES = ['HTTPS_PROXY', 'https_proxy', 'HTTP_PROXY', 'http_proxy']
const NO_PROXY_VARIABLES = ['NO_PROXY', 'no_proxy']

/**
 * NO_PROXY as the aws CLI (Python's urllib), curl and Go read it: `example.com` and `.example.com`
 * both cover the name and its subdomains. Node's matcher takes a bare name literally, and on Node
 * 22 a leading dot also matches across a label (`.only.invalid` against `proxy-only.invalid`), so
 * each such entry is given as the name and `*.name`, the form Node matches at label boundaries.
 * IPs, `host:port`, `*.name` and `*` stay as written.
 */
export function widenNoProxy(value: string): string {
  return value
    .split(',')
    .map((entry) => entry.trim())
    .filter(Boolean)
    .flatMap((entry) => {
      const name = entry.replace(/^\./, '')
      return /^[a-z0-9-]+(\.[a-z0-9-]+)*$/i.test(name) && !isIP(name) ? [name, `*.${name}`] : [entry]
    })
    .join(',')
}

/** Only the proxy variables: the agent needs nothing else of the environment. */
export function proxyEnvironment(vars: Vars): Record<string, string> {
  const set = (names: string[], map: (v: string) => string = (v) => v) => names.flatMap((name) => (vars[name] ? [[name, map(vars[name] as string)]] : []))
  return Object.fromEntries([...set(PROXY_VARIABLES), ...set(NO_PROXY_VARIABLES, widenNoProxy)])
}

/** The CAs to trust when a bundle is set: the bundle, Node's own roots and NODE_EXTRA_CA_CERTS (an explicit `ca` replaces those). */
async function trustedCas(bundle: string, vars: Vars): Promise<string[]> {
  const read = async (path: string, what: string) => {
    try {
      return await readFile(path, 'utf8')
    } catch (error) {
      throw Object.assign(new Error(`cannot read the CA bundle ${path} (${what}): ${(error as Error).message}`), { name: 'CaBundleError' })
    }
  }
  const extra = vars.NODE_EXTRA_CA_CERTS ? [await read(vars.NODE_EXTRA_CA_CERTS, 'NODE_EXTRA_CA_CERTS')] : []
  return [await read(bundle, 'AWS_CA_BUNDLE or ca_bundle'), ...extra, ...rootCertificates]
}

/** The handler's options; the agents are built by the handler from these, keep-alive on. */
export async function httpHandlerOptions(o: { vars: Vars; caBundle?: string; connectTimeoutMs?: number }): Promise<HttpHandlerOptions> {
  const proxyEnv = proxyEnvironment(o.vars)
  const ca = o.caBundle ? await trustedCas(o.caBundle, o.vars) : undefined
  return {
    ...(o.connectTimeoutMs ? { connectionTimeout: o.connectTimeoutMs } : {}),
    httpAgent: { keepAlive: true, proxyEnv },
    httpsAgent: { keepAlive: true, proxyEnv, ...(ca ? { ca } : {}) },
  }
}

/** One NodeHttpHandler: SDK clients and the EC2 Query client share its connections. */
export async function createHttpHandler(options: () => Promise<HttpHandlerOptions>): Promise<import('@smithy/node-http-handler').NodeHttpHandler> {
  const { NodeHttpHandler } = await import('@smithy/node-http-handler')
  return new NodeHttpHandler(options as never)
}
