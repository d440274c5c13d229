/** Fixes for a kubeconfig that does not match the cluster: rewrite (or write) the entry with the real values. */
import type { Fix } from '../engine/types.js'

function entryCommands(o: { cluster?: string; region?: string; profile?: string; context?: string }): string[] {
  if (!o.cluster || !o.region) return o.region ? [`aws eks list-clusters --region ${o.region} --output text`] : []
  const profile = o.profile ? ` --profile ${o.profile}` : ''
  const alias = o.context && !o.context.startsWith('arn:') ? ` --alias ${o.context}` : ''
  return [`eksdoctor kubeconfig --cluster ${o.cluster} --region ${o.region}${profile}${alias}`, `aws eks update-kubeconfig --name ${o.cluster} --region ${o.region}${profile}${alias}`]
}

export function buildRewriteEntryFix(o: { cluster?: string; region?: string; profile?: string; context?: string; why: string }): Fix {
  return {
    category: 'kubeconfig',
    title: `Rewrite the kubeconfig entry${o.context ? ` of ${o.context}` : ''}`,
    why: o.cluster && o.region ? o.why : `${o.why} Which cluster it should reach is not known here: list the clusters and rewrite the entry for the right one.`,
    commands: entryCommands(o),
  }
}

export function buildWriteEntryFix(o: { cluster: string; region: string; profile?: string }): Fix {
  return {
    category: 'kubeconfig',
    title: `Write a kubeconfig context for ${o.cluster}`,
    why: `kubectl reaches ${o.cluster} only through a kubeconfig context with its endpoint, CA and an exec entry that signs EKS tokens for it; none of the contexts kubectl reads targets it.`,
    commands: entryCommands(o),
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
