/** Fixes for a kubeconfig that does not match the cluster: rewrite the entry with the real values. */
import type { Fix } from '../engine/types.js'

export function buildRewriteEntryFix(o: { cluster?: string; region?: string; profile?: string; context?: string; why: string }): Fix {
  const profile = o.profile ? ` --profile ${o.profile}` : ''
  const alias = o.context && !o.context.startsWith('arn:') ? ` --alias ${o.context}` : ''
  return {
    category: 'kubeconfig',
    title: `Rewrite the kubeconfig entry${o.context ? ` of ${o.context}` : ''}`,
    why: o.why,
    commands:
      o.cluster && o.region
        ? [`eksdoctor kubeconfig --cluster ${o.cluster} --region ${o.region}${profile}${alias}`, `aws eks update-kubeconfig --name ${o.cluster} --region ${o.region}${profile}${alias}`]
        : ['eksdoctor kubeconfig --cluster <name> --region <region>'],
  }
}

export function buildUpgradeAwsCliFix(version: string): Fix {
  return {
    category: 'kubeconfig',
    title: `Upgrade the AWS CLI (found ${version})`,
    why: 'AWS CLI before 1.24.0 / 2.7.0 answers get-token in client.authentication.k8s.io/v1alpha1, which kubectl 1.24+ rejects; the first `aws` on PATH is the one kubectl runs.',
    commands: ['which -a aws', 'aws --version'],
    docs: 'https://docs.aws.amazon.com/cli/latest/userguide/getting-started-install.html',
  }
}
