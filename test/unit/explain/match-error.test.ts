/** kubectl's own error texts, as client-go prints them, mapped to the layer they point at. */
import { describe, expect, it } from 'vitest'
import { matchKubectlError } from '../../../src/explain/match-error.js'

const CASES: [string, string, string[]][] = [
  ['Unable to connect to the server: dial tcp: lookup ABC.gr7.eu-west-1.eks.amazonaws.com on 127.0.0.53:53: no such host', 'dns', ['dns']],
  ['Unable to connect to the server: dial tcp 10.0.1.23:443: i/o timeout', 'timeout', ['routing', 'security-group']],
  ['Unable to connect to the server: net/http: TLS handshake timeout', 'tls-timeout', ['routing']],
  ['Unable to connect to the server: x509: certificate signed by unknown authority', 'x509', ['tls', 'kubeconfig']],
  ['error: You must be logged in to the server (Unauthorized)', 'unauthorized', ['iam']],
  ['Error from server (Forbidden): pods is forbidden: User "arn:aws:sts::1:assumed-role/r/s" cannot list resource "pods" in API group "" in the namespace "default"', 'forbidden', ['rbac']],
  ['error: exec plugin: invalid apiVersion "client.authentication.k8s.io/v1alpha1"', 'exec-api-version', ['kubeconfig']],
  ['Error when retrieving token from sso: Token has expired and refresh failed', 'aws-credentials-expired', ['credentials']],
  ['Unable to connect to the server: proxyconnect tcp: dial tcp 10.9.9.9:3128: connect: connection refused', 'proxy', ['proxy']],
  ['The connection to the server localhost:8080 was refused - did you specify the right host or port?', 'refused', ['routing', 'kubeconfig']],
]

describe('matchKubectlError', () => {
  for (const [text, id, categories] of CASES) {
    it(id + ': ' + text.slice(0, 50), () => {
      expect(matchKubectlError(text)).toMatchObject({ id, categories })
    })
  }
  it('returns nothing for text it does not know', () => {
    expect(matchKubectlError('the weather is fine')).toBeUndefined()
  })
})
