/** The ExecCredential kubectl reads from a credential plugin's stdout. */

const ACCEPTED = ['client.authentication.k8s.io/v1', 'client.authentication.k8s.io/v1beta1']

/** The apiVersion kubectl asked for in KUBERNETES_EXEC_INFO (v1 or v1beta1); v1beta1 otherwise. */
export function requestedApiVersion(execInfo: string | undefined): string {
  try {
    const version = (JSON.parse(execInfo ?? '{}') as { apiVersion?: string }).apiVersion
    return version && ACCEPTED.includes(version) ? version : 'client.authentication.k8s.io/v1beta1'
  } catch {
    return 'client.authentication.k8s.io/v1beta1'
  }
}

export function renderExecCredential(token: string, expiresAt: Date, apiVersion: string): string {
  // RFC 3339 without milliseconds, as the AWS CLI prints it.
  const expirationTimestamp = `${expiresAt.toISOString().slice(0, 19)}Z`
  return `${JSON.stringify({ kind: 'ExecCredential', apiVersion, spec: {}, status: { expirationTimestamp, token } })}\n`
}
