/** The leaf of the house: layers, verdict categories, exit codes and failure codes. Imports nothing. */

/** Layers in path order: the order in which a request from the workstation meets them. */
export const LAYERS = [
  'env',
  'credentials',
  'cluster',
  'dns',
  'routing',
  'network',
  'tls',
  'apiserver',
  'authn',
  'authz',
  'kubeconfig',
] as const
export type Layer = (typeof LAYERS)[number]

export type Status = 'pass' | 'fail' | 'warn' | 'skip'
export type ProbeId = `${Layer}.${string}`

/** Verdict categories of design.md, each with its exit code. */
export const CATEGORY_EXIT_CODES = {
  ok: 0,
  credentials: 10,
  cluster: 11,
  kubeconfig: 12,
  proxy: 13,
  dns: 20,
  routing: 21,
  'security-group': 22,
  tls: 23,
  iam: 30,
  rbac: 31,
} as const
export type Category = keyof typeof CATEGORY_EXIT_CODES

export const EXIT_UNEXPECTED = 1
export const EXIT_USAGE = 2
export const EXIT_INCONCLUSIVE = 3

/** Stable failure codes: raw errors are normalised into these inside platform/. */
export type FailureCode =
  | 'DNS_NXDOMAIN'
  | 'DNS_NO_ANSWER'
  | 'DNS_NO_REPLY'
  | 'DNS_REFUSED'
  | 'DNS_SERVFAIL'
  | 'DNS_PUBLIC_ANSWER'
  | 'DNS_STALE_ANSWER'
  | 'DNS_RESOLVER_UNREACHABLE'
  | 'TAILSCALE_DNS_OFF'
  | 'ROUTE_NOT_VPN'
  | 'ROUTE_UNREACHABLE'
  | 'ROUTE_LOOKUP_FAILED'
  | 'VPN_PEER_OFFLINE'
  | 'VPN_NOT_RUNNING'
  | 'WG_ALLOWED_IPS_MISSING'
  | 'WG_HANDSHAKE_STALE'
  | 'TCP_TIMEOUT'
  | 'TCP_REFUSED'
  | 'TCP_UNREACHABLE'
  | 'TCP_RESET'
  | 'TCP_PARTIAL'
  | 'IPV6_PATH_BROKEN'
  | 'TLS_TIMEOUT'
  | 'TLS_MTU_BLACKHOLE'
  | 'TLS_LARGE_HELLO_DROPPED'
  | 'TLS_UNKNOWN_CA'
  | 'TLS_HOSTNAME_MISMATCH'
  | 'TLS_EXPIRED'
  | 'TLS_HANDSHAKE_FAILED'
  | 'TLS_STALE_CA'
  | 'HTTP_TIMEOUT'
  | 'HTTP_401'
  | 'HTTP_403'
  | 'HTTP_5XX'
  | 'HTTP_UNEXPECTED'
  | 'PROXY_UNREACHABLE'
  | 'PROXY_REFUSED_CONNECT'
  | 'PUBLIC_ENDPOINT_ENABLED'
  | 'PRIVATE_ENDPOINT_DISABLED'
  | 'CLUSTER_NOT_FOUND'
  | 'CLUSTER_NOT_ACTIVE'
  | 'AWS_ACCESS_DENIED'
  | 'AWS_NO_CREDENTIALS'
  | 'AWS_ERROR'
  | 'AWS_TIMEOUT'
  | 'AWS_CLOCK_SKEW'
  | 'AWS_EXPIRED_TOKEN'
  | 'AWS_SSO_EXPIRED'
  | 'AWS_UNKNOWN_PROFILE'
  | 'NO_SOURCE_NETWORK'
  | 'ROUTE_MISSING'
  | 'ROUTE_BLACKHOLE'
  | 'ROUTE_WRONG_TARGET'
  | 'PEERING_NOT_ACTIVE'
  | 'PEERING_DNS_OFF'
  | 'TGW_NOT_AVAILABLE'
  | 'TGW_ATTACHMENT_MISSING'
  | 'TGW_ATTACHMENT_NOT_AVAILABLE'
  | 'TGW_AZ_MISSING'
  | 'TGW_NOT_ASSOCIATED'
  | 'TGW_ROUTE_MISSING'
  | 'TGW_ROUTE_BLACKHOLE'
  | 'TGW_ROUTE_WRONG_TARGET'
  | 'SG_NO_RULE'
  | 'NACL_DENY'
  | 'SOURCE_DEST_CHECK_ON'
  | 'VPN_NOT_FORWARDING'
  | 'CLIENT_VPN_UNAVAILABLE'
  | 'CLIENT_VPN_NOT_ASSOCIATED'
  | 'CLIENT_VPN_ROUTE_MISSING'
  | 'CLIENT_VPN_NOT_AUTHORIZED'
  | 'CLIENT_VPN_NOT_CONNECTED'
  | 'VPC_DNS_OFF'
  | 'KUBECONFIG_MISMATCH'
  | 'KUBECONFIG_MISSING'
  | 'KUBECONFIG_PATH_ODD'
  | 'KUBECONFIG_LOCKED'
  | 'KUBECONFIG_NOT_WRITABLE'
  | 'KUBECONFIG_SHADOWED'
  | 'EXEC_COMMAND_LINE'
  | 'EXEC_NOT_ON_GUI_PATH'
  | 'EXEC_OUTPUT_NOT_JSON'
  | 'TOOL_MISSING'
  | 'TIMEOUT'
  | 'PROBE_CRASHED'

