import { describe, expect, it } from 'vitest'
import { contextProbe } from '../../../../src/probes/kubeconfig/context.js'
import { clusterInfo, fakeEnv, runProbe } from '../../../helpers/fake-env.js'

const HOME = '/home/tester'
const ACCOUNT = '210987654321'
const CA = Buffer.from('-----BEGIN CERTIFICATE-----\nMIIBcluster\n-----END CERTIFICATE-----\n').toString('base64')
const OLD_CA = Buffer.from('-----BEGIN CERTIFICATE-----\nMIIBold\n-----END CERTIFICATE-----\n').toString('base64')

const WORLDS = [
  { cluster: 'ledger-prod', region: 'eu-west-1', endpoint: 'https://0A1B2C3D4E5F60718293A4B5C6D7E8F9.gr7.eu-west-1.eks.amazonaws.com', old: 'https://99AA88BB77CC66DD55EE44FF33001122.gr7.eu-west-1.eks.amazonaws.com', profile: 'ledger-admin' },
  { cluster: 'inventory_stage-2', region: 'ap-northeast-2', endpoint: 'https://5F3C9A1E2B7D4C60A1B2C3D4E5F60718.sk1.ap-northeast-2.eks.amazonaws.com', old: 'https://1122334455667788990011223344AABB.sk1.ap-northeast-2.eks.amazonaws.com', profile: 'inv' },
]
type World = (typeof WORLDS)[number]
const arnOf = (w: World) => `arn:aws:eks:${w.region}:${ACCOUNT}:cluster/${w.cluster}`

function awsUser(w: World, o: { apiVersion?: string; cluster?: string; region?: string; profile?: string } = {}) {
  return [
    '    exec:',
    `      apiVersion: ${o.apiVersion ?? 'client.authentication.k8s.io/v1beta1'}`,
    '      command: aws',
    `      args: [--region, ${o.region ?? w.region}, eks, get-token, --cluster-name, ${o.cluster ?? w.cluster}, --output, json]`,
    ...(o.profile ? ['      env:', '      - name: AWS_PROFILE', `        value: ${o.profile}`] : []),
  ].join('\n')
}

function kubeconfig(entries: { context: string; cluster: string; server: string; ca?: string; user: string }[], current?: string, users = 'user'): string {
  return [
    'apiVersion: v1',
    'kind: Config',
    ...(current ? [`current-context: ${current}`] : []),
    'clusters:',
    ...entries.map((e) => `- name: ${e.cluster}\n  cluster:\n    server: ${e.server}\n    certificate-authority-data: ${e.ca ?? CA}`),
    'contexts:',
    ...entries.map((e, i) => `- name: ${e.context}\n  context:\n    cluster: ${e.cluster}\n    user: ${users}-${i}`),
    'users:',
    ...entries.map((e, i) => `- name: ${users}-${i}\n  user:\n${e.user}`),
  ].join('\n')
}

function env(w: World, files: Record<string, string>) {
  return fakeEnv({
    vars: { HOME },
    home: HOME,
    which: { aws: '/usr/local/bin/aws' },
    files: { [`${HOME}/.aws/config`]: `[profile ${w.profile}]\nregion = ${w.region}\n`, ...files },
  })
}

const describeData = (w: World) => ({ 'cluster.describe': clusterInfo({ name: w.cluster, arn: arnOf(w), endpoint: w.endpoint, caData: CA }) })

describe('kubeconfig.context with --cluster: every context that targets the cluster', () => {
  it.each(WORLDS)('$cluster: a current context with the old endpoint and CA of a recreated cluster fails with the exact rewrite', async (w) => {
    const file = kubeconfig([{ context: arnOf(w), cluster: arnOf(w), server: w.old, ca: OLD_CA, user: awsUser(w, { profile: w.profile }) }], arnOf(w))
    const outcome = await runProbe(contextProbe, { env: env(w, { [`${HOME}/.kube/config`]: file }), target: { cluster: w.cluster, region: w.region }, data: describeData(w) })
    expect(outcome).toMatchObject({ status: 'fail', code: 'KUBECONFIG_MISMATCH', category: 'kubeconfig' })
    expect(outcome.detail).toContain(`its server ${w.old} is not the cluster's endpoint ${w.endpoint}`)
    expect(outcome.detail).toContain("its certificate-authority is not the cluster's CA")
    expect(outcome.data).toEqual([{ name: arnOf(w), file: `${HOME}/.kube/config`, foundBy: 'its cluster ARN', current: true, problems: expect.any(Array) }])
    expect(outcome.fixes?.[0]?.commands).toEqual([
      `eksdoctor kubeconfig --cluster ${w.cluster} --region ${w.region} --profile ${w.profile}`,
      `aws eks update-kubeconfig --name ${w.cluster} --region ${w.region} --profile ${w.profile}`,
    ])
  })

  it.each(WORLDS)('$cluster: finds a context by the cluster its exec entry signs for, across KUBECONFIG files, and names v1alpha1 (its missing profile is the job of kubeconfig.exec-profile)', async (w) => {
    const a = kubeconfig([{ context: 'unrelated', cluster: 'kind-kind', server: 'https://127.0.0.1:6443', user: '    token: abc' }], 'unrelated')
    const b = kubeconfig([{ context: 'ops', cluster: 'ops-cluster', server: w.endpoint, user: awsUser(w, { apiVersion: 'client.authentication.k8s.io/v1alpha1', profile: 'gone-profile' }) }], undefined, 'b-user')
    const e = env(w, { '/work/a.yaml': a, '/work/b.yaml': b })
    ;(e.vars as Record<string, string>).KUBECONFIG = '/work/a.yaml:/work/b.yaml'
    const outcome = await runProbe(contextProbe, { env: e, target: { cluster: w.cluster, region: w.region }, data: describeData(w) })
    expect(outcome.status).toBe('fail')
    expect(outcome.data?.map((c) => [c.name, c.foundBy, c.current])).toEqual([['ops', 'the cluster its aws exec entry signs for', false]])
    expect(outcome.detail).toContain('client.authentication.k8s.io/v1alpha1, which kubectl 1.24+ refuses')
    expect(outcome.detail).not.toContain('gone-profile')
    expect(outcome.fixes?.[0]?.commands[0]).toBe(`eksdoctor kubeconfig --cluster ${w.cluster} --region ${w.region} --profile gone-profile --alias ops`)
  })

  it.each(WORLDS)('$cluster: a working context passes; a second, stale one beside it is a warning', async (w) => {
    const good = { context: 'good', cluster: arnOf(w), server: w.endpoint, user: awsUser(w) }
    const stale = { context: 'stale', cluster: 'old-entry', server: w.endpoint, user: awsUser(w, { region: 'us-east-1' }) }
    const only = await runProbe(contextProbe, { env: env(w, { [`${HOME}/.kube/config`]: kubeconfig([good], 'good') }), target: { cluster: w.cluster, region: w.region }, data: describeData(w) })
    expect(only).toMatchObject({ status: 'pass', detail: `good targets ${w.cluster} and matches it` })
    const both = await runProbe(contextProbe, { env: env(w, { [`${HOME}/.kube/config`]: kubeconfig([good, stale], 'good') }), target: { cluster: w.cluster, region: w.region }, data: describeData(w) })
    expect(both.status).toBe('warn')
    expect(both.detail).toBe(`context stale: its exec entry signs in region us-east-1, but the cluster is in ${w.region} (good works)`)
  })

  it.each(WORLDS)('$cluster: no context for the cluster is a warning with the command that writes one', async (w) => {
    const other = kubeconfig([{ context: 'unrelated', cluster: 'kind-kind', server: 'https://127.0.0.1:6443', user: '    token: abc' }], 'unrelated')
    const outcome = await runProbe(contextProbe, { env: env(w, { [`${HOME}/.kube/config`]: other }), target: { cluster: w.cluster, region: w.region, profile: w.profile }, data: describeData(w) })
    expect(outcome).toMatchObject({ status: 'warn', code: 'KUBECONFIG_MISSING' })
    expect(outcome.fixes?.[0]?.commands).toEqual([
      `eksdoctor kubeconfig --cluster ${w.cluster} --region ${w.region} --profile ${w.profile}`,
      `aws eks update-kubeconfig --name ${w.cluster} --region ${w.region} --profile ${w.profile}`,
    ])
    const none = await runProbe(contextProbe, { env: env(w, {}), target: { cluster: w.cluster, region: w.region }, data: describeData(w) })
    expect(none).toMatchObject({ status: 'warn', code: 'KUBECONFIG_MISSING', detail: `no kubeconfig: kubectl has no context for ${w.cluster}` })
  })

  it('does not apply to a bare --endpoint', () => {
    expect(contextProbe.applies?.({ resolvers: [], canI: [], sources: { endpoint: '--endpoint' }, endpoint: 'https://10.0.0.1' }, { mode: 'check', connectTimeoutMs: 1000, totalTimeoutMs: 5000 })).not.toBe(true)
  })
})
