/** Fixes that map an IAM principal into the cluster (access entries, aws-auth) and grant it rights. */
import type { Fix } from '../engine/types.js'
import { hcl, resource } from './hcl.js'

const POLICY_PREFIX = (partition: string) => `arn:${partition}:eks::aws:cluster-access-policy`

export function buildAccessEntryFix(o: { cluster: string; region: string; principalArn: string; partition: string; policy?: string }): Fix {
  const policy = o.policy ?? 'AmazonEKSClusterAdminPolicy'
  return {
    category: 'iam',
    title: `Give ${o.principalArn} an access entry on ${o.cluster}`,
    why:
      'The API server authenticates the token but maps the IAM principal to no Kubernetes user: the cluster has no access entry for it. ' +
      'Access entries name the IAM role ARN with its path (not the STS assumed-role ARN). ' +
      `Pick the policy that fits: ${policy} here; AmazonEKSAdminPolicy, AmazonEKSEditPolicy or AmazonEKSViewPolicy grant less.`,
    commands: [
      `aws eks create-access-entry --cluster-name ${o.cluster} --principal-arn ${o.principalArn} --region ${o.region}`,
      `aws eks associate-access-policy --cluster-name ${o.cluster} --principal-arn ${o.principalArn} --policy-arn ${POLICY_PREFIX(o.partition)}/${policy} --access-scope type=cluster --region ${o.region}`,
    ],
    terraform: hcl(
      resource('aws_eks_access_entry', 'operator', [
        ['cluster_name', o.cluster],
        ['principal_arn', o.principalArn],
      ]),
      resource('aws_eks_access_policy_association', 'operator', [
        ['cluster_name', o.cluster],
        ['principal_arn', { ref: 'aws_eks_access_entry.operator.principal_arn' }],
        ['policy_arn', `${POLICY_PREFIX(o.partition)}/${policy}`],
        null,
        { type: 'access_scope', body: [['type', 'cluster']] },
      ]),
    ),
    docs: 'https://docs.aws.amazon.com/eks/latest/userguide/access-entries.html',
  }
}

export function buildAwsAuthFix(o: { cluster: string; region: string; roleArnWithoutPath: string; username: string }): Fix {
  return {
    category: 'iam',
    title: `Map ${o.roleArnWithoutPath} in the aws-auth ConfigMap (or move ${o.cluster} to access entries)`,
    why:
      'The cluster authenticates only through the aws-auth ConfigMap (authentication mode CONFIG_MAP), which eksdoctor cannot read without access. ' +
      'aws-auth wants the role ARN WITHOUT its path. Someone with access adds the mapRoles entry below, or switches the cluster to API_AND_CONFIG_MAP and uses access entries.',
    commands: [
      `kubectl edit configmap aws-auth -n kube-system   # as a cluster admin; under data.mapRoles add:\n  - rolearn: ${o.roleArnWithoutPath}\n    username: ${o.username}\n    groups: [system:masters]`,
      `aws eks update-cluster-config --name ${o.cluster} --access-config authenticationMode=API_AND_CONFIG_MAP --region ${o.region}`,
    ],
  }
}

export function buildAssociatePolicyFix(o: { cluster: string; region: string; principalArn: string; partition: string; namespace?: string; policy?: string }): Fix {
  const policy = o.policy ?? (o.namespace ? 'AmazonEKSEditPolicy' : 'AmazonEKSClusterAdminPolicy')
  const scope = o.namespace ? `type=namespace,namespaces=${o.namespace}` : 'type=cluster'
  return {
    category: 'rbac',
    title: `Associate an access policy with ${o.principalArn}`,
    why: `The principal is authenticated but not authorised: its access entry has no policy that allows this${o.namespace ? ` in ${o.namespace}` : ''}.`,
    commands: [
      `aws eks associate-access-policy --cluster-name ${o.cluster} --principal-arn ${o.principalArn} --policy-arn arn:${o.partition}:eks::aws:cluster-access-policy/${policy} --access-scope ${scope} --region ${o.region}`,
    ],
    terraform: hcl(
      resource('aws_eks_access_policy_association', 'operator', [
        ['cluster_name', o.cluster],
        ['principal_arn', o.principalArn],
        ['policy_arn', `arn:${o.partition}:eks::aws:cluster-access-policy/${policy}`],
        null,
        { type: 'access_scope', body: [['type', o.namespace ? 'namespace' : 'cluster'], ...(o.namespace ? [['namespaces', [o.namespace]] as const] : [])] },
      ]),
    ),
  }
}

export function buildGroupBindingFix(groups: string[], verb: string, resource: string, namespace?: string): Fix {
  // Called only for an entry that has groups; the first one is bound.
  const group = groups[0] ?? ''
  const name = `eksdoctor-${verb}-${resource}`.replace(/[^a-z0-9-]/g, '-').slice(0, 60)
  return {
    category: 'rbac',
    title: `Bind a role to the Kubernetes group ${group}`,
    why: `The access entry maps the principal into ${groups.join(', ')}, and no RoleBinding or ClusterRoleBinding gives ${groups.length > 1 ? 'them' : 'it'} ${verb} on ${resource}.`,
    commands: namespace
      ? [
          `kubectl create role ${name} --verb=${verb} --resource=${resource} -n ${namespace}`,
          `kubectl create rolebinding ${name} --role=${name} --group=${group} -n ${namespace}`,
        ]
      : [`kubectl create clusterrole ${name} --verb=${verb} --resource=${resource}`, `kubectl create clusterrolebinding ${name} --clusterrole=${name} --group=${group}`],
  }
}
