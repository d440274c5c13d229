/**
 * The outside world behind one interface. Probes reach the machine, the network and AWS only
 * through a ProbeEnv, so tests swap the environment instead of patching modules.
 */
import type { FailureCode } from '../engine/codes.js'
import type { AwsClients } from '../aws/clients.js'

export type Platform = 'linux' | 'darwin' | 'win32'

/** A finished subprocess; exec never throws. */
export interface ExecResult {
  exitCode: number | null
  stdout: string
  stderr: string
  timedOut: boolean
  /** The binary was not found or could not be started. */
  notFound: boolean
  durationMs: number
}

export interface ExecOptions {
  timeoutMs: number
  signal?: AbortSignal
  env?: Record<string, string | undefined>
}

export type LookupResult =
  | { ok: true; addresses: { address: string; family: 4 | 6 }[]; ms: number }
  | { ok: false; code: FailureCode; message: string; ms: number }

export interface DnsApi {
  /** getaddrinfo, as every other program on the machine resolves. */
  lookup(host: string, o: { timeoutMs: number }): Promise<LookupResult>
  /** Ask one DNS server directly (A and AAAA). */
  resolve(host: string, server: string, o: { timeoutMs: number }): Promise<LookupResult>
}

export interface ConnectResult {
  ok: boolean
  code?: FailureCode
  message?: string
  localAddress?: string
  ms: number
}

export interface NetApi {
  connect(ip: string, port: number, o: { timeoutMs: number; signal?: AbortSignal }): Promise<ConnectResult>
}

/** What a certificate says about itself. */
export interface CertificateInfo {
  subject: string
  issuer: string
  subjectAltName: string[]
  validFrom: string
  validTo: string
  fingerprint256: string
  pem: string
}

export interface HandshakeResult {
  ok: boolean
  code?: FailureCode
  message?: string
  /** Whether the chain verified against the given CA and matched the server name. */
  verified: boolean
  verifyError?: string
  protocol?: string
  chain: CertificateInfo[]
  ms: number
}

/** What came back for a ClientHello every current server refuses (TLS 1.0 only) with a 7-byte alert. */
export interface SmallReply {
  /** alert: the refusal arrived; handshake: the server even accepted it; reset/closed: the connection was cut; none: nothing within the bound; no-tcp: no connection. */
  reply: 'alert' | 'handshake' | 'reset' | 'closed' | 'none' | 'no-tcp'
  message?: string
  ms: number
}

export interface TlsApi {
  handshake(
    ip: string,
    port: number,
    /** largeHello: a ClientHello padded to the size of one with a post-quantum key share (about 1.7 KB, two packets). */
    o: { servername?: string; caPem?: string; timeoutMs: number; signal?: AbortSignal; largeHello?: boolean },
  ): Promise<HandshakeResult>
  smallReply(ip: string, port: number, o: { servername?: string; timeoutMs: number; signal?: AbortSignal }): Promise<SmallReply>
  /** Offline: does `leafPem` chain to `caPem` (directly or through `intermediates`)? */
  issuedBy(leafPem: string, caPem: string, intermediates?: string[]): boolean
}

export interface HttpResult {
  ok: boolean
  status?: number
  body?: string
  code?: FailureCode
  message?: string
  ms: number
}

export interface HttpRequest {
  /** The URL as the user's tools see it (host name, port). */
  url: string
  /** Dial this IP instead of resolving the URL's host. Ignored when going through a proxy. */
  ip?: string
  caPem?: string
  /** Skip certificate checks (the tls check already judged them). */
  insecure?: boolean
  proxy?: string
  timeoutMs: number
  signal?: AbortSignal
  method?: 'GET' | 'POST'
  headers?: Record<string, string>
  body?: string
}

export interface HttpApi {
  request(req: HttpRequest): Promise<HttpResult>
}

export interface FsApi {
  readText(path: string): Promise<string | undefined>
  /** Size and modification time, to tell whether a file changed. */
  stat(path: string): Promise<{ size: number; mtimeMs: number } | undefined>
  /** Whether this user may write the file or directory (access W_OK); undefined when it does not exist. */
  writable(path: string): Promise<boolean | undefined>
  homedir(): string
}

/** A small persistent store for facts that are slow to learn and rarely change. */
export interface Cache {
  read<T>(name: string): Promise<T | undefined>
  write(name: string, value: unknown): Promise<void>
}

export interface Clock {
  now(): number
}

/** Everything a probe may touch outside the process. */
export interface ProbeEnv {
  platform: Platform
  vars: Readonly<Record<string, string | undefined>>
  exec(file: string, args: string[], o: ExecOptions): Promise<ExecResult>
  /** The absolute path of an executable on PATH (or a known location), if any. */
  which(name: string): Promise<string | undefined>
  dns: DnsApi
  net: NetApi
  tls: TlsApi
  http: HttpApi
  aws: AwsClients
  fs: FsApi
  cache: Cache
  clock: Clock
}
