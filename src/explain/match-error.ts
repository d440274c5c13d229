/** Map the text of a kubectl (client-go) error to the layer it points at and the checks that settle it. */
import type { Category, Layer } from '../engine/types.js'

/** What a kubectl error means and which layers to run to settle it. */
export interface ErrorMeaning {
  id: string
  categories: Category[]
  layers: Layer[]
  meaning: string
}

const RULES: { pattern: RegExp; meaning: ErrorMeaning }[] = [
  {
    pattern: /exec plugin: invalid apiVersion|client\.authentication\.k8s\.io\/v1alpha1/i,
    meaning: { id: 'exec-api-version', categories: ['kubeconfig'], layers: ['kubeconfig'], meaning: 'the kubeconfig exec block uses an apiVersion kubectl no longer accepts (v1alpha1); rewrite the entry' },
  },
  {
    pattern: /executable .* not found|exec: ".*": executable file not found/i,
    meaning: { id: 'exec-command-missing', categories: ['kubeconfig'], layers: ['kubeconfig', 'env'], meaning: 'the credential plugin named in the kubeconfig is not on PATH' },
  },
  {
    pattern: /sso.*(expired|refresh)|token has expired and refresh failed|Error loading SSO Token|The SSO session .* has expired|ExpiredToken|security token included in the request is expired/i,
    meaning: { id: 'aws-credentials-expired', categories: ['credentials'], layers: ['credentials', 'cluster'], meaning: 'the AWS credentials behind the token are expired: log in again (aws sso login)' },
  },
  {
    pattern: /proxyconnect tcp|proxy ?error|Proxy Authentication Required/i,
    meaning: { id: 'proxy', categories: ['proxy'], layers: ['env', 'apiserver'], meaning: 'kubectl reaches the API through a proxy and the proxy fails' },
  },
  {
    pattern: /no such host|server misbehaving|Temporary failure in name resolution|ENOTFOUND/i,
    meaning: { id: 'dns', categories: ['dns'], layers: ['dns', 'cluster'], meaning: 'the endpoint name does not resolve on this machine' },
  },
  {
    pattern: /x509:|certificate signed by unknown authority|certificate is valid for|tls: failed to verify/i,
    meaning: { id: 'x509', categories: ['tls', 'kubeconfig'], layers: ['network', 'tls', 'cluster'], meaning: 'the certificate does not verify: a stale CA in the kubeconfig, or something intercepts TLS' },
  },
  {
    // Before the generic timeout: TCP worked, so the packets that die are the large ones.
    pattern: /TLS handshake timeout/i,
    meaning: { id: 'tls-timeout', categories: ['routing'], layers: ['routing', 'network', 'tls'], meaning: 'TCP connects but the TLS handshake never finishes: large packets are dropped (a path MTU black hole on the VPN, or a middlebox that drops the large ClientHello Go 1.23+ clients send)' },
  },
  {
    pattern: /i\/o timeout|context deadline exceeded|connect: operation timed out|connection timed out|Client\.Timeout exceeded/i,
    meaning: { id: 'timeout', categories: ['routing', 'security-group'], layers: ['dns', 'routing', 'network', 'tls', 'cluster'], meaning: 'packets to the endpoint get no answer: the route, the VPN, or a security group drops them' },
  },
  {
    pattern: /connection refused|connection to the server \S+ was refused/i,
    meaning: { id: 'refused', categories: ['routing', 'kubeconfig'], layers: ['dns', 'network', 'cluster'], meaning: 'something answers at that address but not the API server (often localhost:8080: no kubeconfig context at all)' },
  },
  {
    pattern: /Unauthorized|You must be logged in to the server/i,
    meaning: { id: 'unauthorized', categories: ['iam'], layers: ['credentials', 'cluster', 'authn'], meaning: 'the API server does not accept the token: the IAM principal is not mapped (no access entry or aws-auth entry), or the token is for another cluster' },
  },
  {
    pattern: /Forbidden|is forbidden|cannot (get|list|watch|create|update|patch|delete) resource/i,
    meaning: { id: 'forbidden', categories: ['rbac'], layers: ['authn', 'authz'], meaning: 'the principal is authenticated but not allowed: the access entry has no policy for this, or RBAC lacks a binding' },
  },
]

export function matchKubectlError(text: string): ErrorMeaning | undefined {
  return RULES.find((rule) => rule.pattern.test(text))?.meaning
}
