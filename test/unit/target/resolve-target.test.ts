/** Target resolution: flags, then kubeconfig read as kubectl reads it, then the exec block. */
import { describe, expect, it } from 'vitest'
import { CliError } from '../../../src/errors.js'
import type { FsApi } from '../../../src/platform/env.js'
import { parseClusterArn } from '../../../src/aws/arn.js'
import { regionFromEndpoint, resolveTarget } from '../../../src/target/resolve-target.js'

const CA = '-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n'

function memoryFs(files: Record<string, string>, home = '/home/op'): FsApi {
  return { readText: async (path) => files[path], stat: async () => undefined, writable: async () => undefined, homedir: () => home }
}

function kubeconfig(o: { current?: string; contexts?: string; clusters?: string; users?: string }): string {
  return [
    'apiVersion: v1',
    'kind: Config',
    o.current !== undefined ? `current-context: ${o.current}` : '',
    `contexts:${o.contexts ?? ' []'}`,
    `clusters:${o.clusters ?? ' []'}`,
    `users:${o.users ?? ' []'}`,
    '',
  ].join('\n')
}

const AWS_CLI_USER = (name: string, cluster: string, region: string, profile?: string, role?: string) => `
- name: ${name}
  user:
    exec:
      apiVersion: client.authentication.k8s.io/v1beta1
      command: aws
      args: [--region, ${region}, eks, get-token, --cluster-name, ${cluster}, --output, json${role ? `, --role, ${role}` : ''}]
${profile ? `      env:\n      - name: AWS_PROFILE\n        value: ${profile}` : ''}`

async function usageCode(promise: Promise<unknown>): Promise<string> {
  try {
    await promise
  } catch (error) {
    expect(error).toBeInstanceOf(CliError)
    expect((error as CliError).exitCode).toBe(2)
    return (error as CliError).code
  }
  throw new Error('expected a usage error')
}

describe('resolveTarget from a kubeconfig written by aws eks update-kubeconfig', () => {
  const arn = 'arn:aws:eks:ap-northeast-2:210987654321:cluster/orders-dev'
  const file = kubeconfig({
    current: arn,
    contexts: `\n- name: ${arn}\n  context: {cluster: ${arn}, user: ${arn}}`,
    clusters: `\n- name: ${arn}\n  cluster:\n    server: https://ABCDEF0123456789ABCDEF0123456789.yl4.ap-northeast-2.eks.amazonaws.com\n    certificate-authority-data: ${Buffer.from(CA).toString('base64')}`,
    users: AWS_CLI_USER(arn, 'orders-dev', 'ap-northeast-2', 'platform-admin', 'arn:aws:iam::210987654321:role/ops'),
  })

  it('reads server, CA, cluster, region, profile and role', async () => {
    const target = await resolveTarget({}, { vars: {}, fs: memoryFs({ '/home/op/.kube/config': file }) })
    expect(target).toMatchObject({
      cluster: 'orders-dev',
      region: 'ap-northeast-2',
      profile: 'platform-admin',
      roleArn: 'arn:aws:iam::210987654321:role/ops',
      context: arn,
      endpoint: 'https://ABCDEF0123456789ABCDEF0123456789.yl4.ap-northeast-2.eks.amazonaws.com',
      caPem: CA,
      kubeconfigPath: '/home/op/.kube/config',
    })
  })

  it('lets --profile override the exec env profile', async () => {
    const target = await resolveTarget({ profile: 'other' }, { vars: {}, fs: memoryFs({ '/home/op/.kube/config': file }) })
    expect(target.profile).toBe('other')
  })
})

describe('resolveTarget with KUBECONFIG holding several files', () => {
  const a = kubeconfig({ current: 'blue', contexts: '\n- name: blue\n  context: {cluster: c1, user: u1}' })
  const b = kubeconfig({
    current: 'green',
    contexts: '\n- name: blue\n  context: {cluster: wrong, user: wrong}\n- name: green\n  context: {cluster: c2, user: u2}',
    clusters: '\n- name: c1\n  cluster: {server: "https://10.1.0.10", certificate-authority: certs/ca.pem}\n- name: c2\n  cluster: {server: "https://10.2.0.10"}',
    users:
      '\n- name: u1\n  user:\n    exec: {command: aws-iam-authenticator, args: [token, -i, inventory-stage, --region, sa-east-1]}\n- name: u2\n  user: {token: x}',
  })
  const fs = memoryFs({ '/k/a.yaml': a, '/k/b/b.yaml': b, '/k/b/certs/ca.pem': CA })

  it('merges by kubectl rules: first current-context and first definition win; missing files are ignored', async () => {
    const target = await resolveTarget({}, { vars: { KUBECONFIG: '/k/missing.yaml:/k/a.yaml:/k/b/b.yaml' }, fs })
    expect(target.context).toBe('blue')
    expect(target.endpoint).toBe('https://10.1.0.10')
    // certificate-authority is relative to the file that defines it
    expect(target.caPem).toBe(CA)
    expect(target.caSource).toBe('/k/b/certs/ca.pem')
    expect(target).toMatchObject({ cluster: 'inventory-stage', region: 'sa-east-1' })
  })

  it('--context picks another context', async () => {
    const target = await resolveTarget({ context: 'green' }, { vars: { KUBECONFIG: '/k/a.yaml:/k/b/b.yaml' }, fs })
    expect(target.endpoint).toBe('https://10.2.0.10')
    expect(target.cluster).toBeUndefined()
  })

  it('--kubeconfig reads only that file', async () => {
    const target = await resolveTarget({ kubeconfig: '/k/b/b.yaml' }, { vars: { KUBECONFIG: '/k/a.yaml' }, fs })
    expect(target.context).toBe('green')
  })
})

describe('resolveTarget from flags', () => {
  it('--cluster takes the region from AWS_REGION, then AWS_DEFAULT_REGION, then the profile', async () => {
    const fs = memoryFs({ '/home/op/.aws/config': '[default]\nregion = eu-north-1\n[profile team]\nregion = ca-central-1\n' })
    expect((await resolveTarget({ cluster: 'a' }, { vars: { AWS_REGION: 'us-east-2', AWS_DEFAULT_REGION: 'us-west-1' }, fs })).region).toBe('us-east-2')
    expect((await resolveTarget({ cluster: 'a' }, { vars: { AWS_DEFAULT_REGION: 'us-west-1' }, fs })).region).toBe('us-west-1')
    expect((await resolveTarget({ cluster: 'a' }, { vars: {}, fs })).region).toBe('eu-north-1')
    expect((await resolveTarget({ cluster: 'a', profile: 'team' }, { vars: {}, fs })).region).toBe('ca-central-1')
    expect((await resolveTarget({ cluster: 'a' }, { vars: { AWS_PROFILE: 'team' }, fs })).profile).toBe('team')
  })

  it('--endpoint needs no kubeconfig and reads --ca-file', async () => {
    const target = await resolveTarget({ endpoint: 'https://10.9.8.7:6443', caFile: '/tmp/ca.pem' }, { vars: {}, fs: memoryFs({ '/tmp/ca.pem': CA }) })
    expect(target).toMatchObject({ endpoint: 'https://10.9.8.7:6443', caPem: CA, caSource: '/tmp/ca.pem' })
  })

  it('refuses bad input with one usage error each', async () => {
    const fs = memoryFs({ '/bad.yaml': 'clusters: [ {name: a', '/list.yaml': 'clusters: {a: 1}', '/notca.pem': 'hello' })
    expect(await usageCode(resolveTarget({}, { vars: {}, fs }))).toBe('KUBECONFIG_NOT_FOUND')
    expect(await usageCode(resolveTarget({ kubeconfig: '/bad.yaml' }, { vars: {}, fs }))).toBe('KUBECONFIG_INVALID')
    expect(await usageCode(resolveTarget({ kubeconfig: '/list.yaml' }, { vars: {}, fs }))).toBe('KUBECONFIG_INVALID')
    expect(await usageCode(resolveTarget({ cluster: 'x_y', region: 'mars-1' }, { vars: {}, fs }))).toBe('UNKNOWN_REGION')
    expect(await usageCode(resolveTarget({ cluster: 'a'.repeat(101), region: 'us-east-1' }, { vars: {}, fs }))).toBe('INVALID_CLUSTER_NAME')
    expect(await usageCode(resolveTarget({ cluster: '_lead', region: 'us-east-1' }, { vars: {}, fs }))).toBe('INVALID_CLUSTER_NAME')
    expect(await usageCode(resolveTarget({ endpoint: 'ftp://x' }, { vars: {}, fs }))).toBe('INVALID_ENDPOINT')
    expect(await usageCode(resolveTarget({ endpoint: 'https://x', caFile: '/notca.pem' }, { vars: {}, fs }))).toBe('CA_FILE_INVALID')
    expect(await usageCode(resolveTarget({ caFile: '/notca.pem' }, { vars: {}, fs }))).toBe('CONFLICTING_FLAGS')
    expect(await usageCode(resolveTarget({ cluster: 'a', context: 'b' }, { vars: {}, fs }))).toBe('CONFLICTING_FLAGS')
    expect(await usageCode(resolveTarget({ endpoint: 'https://x', resolver: ['dns.example'] }, { vars: {}, fs }))).toBe('INVALID_RESOLVER')
  })
})

describe('names inside EKS identifiers', () => {
  it('reads the region from endpoint hosts and the name from cluster ARNs', () => {
    expect(regionFromEndpoint('https://ABC.gr7.ap-southeast-4.eks.amazonaws.com')).toBe('ap-southeast-4')
    expect(regionFromEndpoint('https://ABC.cn-north-1.eks.amazonaws.com.cn')).toBe('cn-north-1')
    expect(regionFromEndpoint('https://10.0.0.1')).toBeUndefined()
    expect(parseClusterArn('arn:aws-us-gov:eks:us-gov-west-1:123456789012:cluster/fed_1')).toEqual({ region: 'us-gov-west-1', name: 'fed_1' })
    expect(parseClusterArn('gke_project_zone_name')).toBeUndefined()
  })
})
