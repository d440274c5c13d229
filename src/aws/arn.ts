/** Reading IAM and STS ARNs: who the caller is and which IAM principal stands behind it. */

/** The IAM principal behind a caller ARN; an assumed role maps to its role, whose path STS drops. */
export interface Principal {
  kind: 'assumed-role' | 'user' | 'root' | 'federated-user' | 'role' | 'other'
  partition: string
  account: string
  /** The IAM ARN access entries and aws-auth refer to (for a role: path unknown until iam:GetRole). */
  iamArn?: string
  roleName?: string
  sessionName?: string
}

const ARN = /^arn:(aws[a-z-]*):(sts|iam)::(\d{12}):(.+)$/

export function parsePrincipal(arn: string): Principal {
  const m = ARN.exec(arn)
  if (!m) return { kind: 'other', partition: 'aws', account: '' }
  const [, partition = 'aws', service, account = '', resource = ''] = m
  if (service === 'sts' && resource.startsWith('assumed-role/')) {
    const [, roleName = '', ...session] = resource.split('/')
    return { kind: 'assumed-role', partition, account, roleName, sessionName: session.join('/'), iamArn: `arn:${partition}:iam::${account}:role/${roleName}` }
  }
  if (service === 'sts' && resource.startsWith('federated-user/')) return { kind: 'federated-user', partition, account }
  if (resource === 'root') return { kind: 'root', partition, account, iamArn: arn }
  if (resource.startsWith('user/')) return { kind: 'user', partition, account, iamArn: arn }
  if (resource.startsWith('role/')) return { kind: 'role', partition, account, iamArn: arn, roleName: resource.split('/').pop() }
  return { kind: 'other', partition, account }
}

/** A role ARN with its IAM path, e.g. arn:aws:iam::1:role/aws-reserved/sso.amazonaws.com/eu-west-1/AWSReservedSSO_Admin_abc. */
export function roleArnWithPath(p: Principal, path: string): string {
  const clean = `/${path.replace(/^\/+|\/+$/g, '')}/`.replace('//', '/')
  return `arn:${p.partition}:iam::${p.account}:role${clean}${p.roleName}`
}

const CLUSTER_ARN = /^arn:aws[a-z-]*:eks:([a-z0-9-]+):\d{12}:cluster\/([0-9A-Za-z][A-Za-z0-9_-]*)$/

/** An EKS cluster ARN (what aws eks update-kubeconfig names the kubeconfig cluster by): its region and name. */
export function parseClusterArn(arn: string | undefined): { region: string; name: string } | undefined {
  const m = arn ? CLUSTER_ARN.exec(arn) : null
  return m ? { region: m[1] ?? '', name: m[2] ?? '' } : undefined
}
