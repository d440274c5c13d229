/** kubeconfig.shadowed: a name defined in two KUBECONFIG files, where kubectl takes the first file's entry. */
import { describe, expect, it } from 'vitest'
import type { CheckResult } from '../../../../src/engine/types.js'
import { shadowedProbe } from '../../../../src/probes/kubeconfig/shadowed.js'
import { clusterInfo, fakeEnv, runProbe } from '../../../helpers/fake-env.js'

const WORLDS = [
  { platform: 'linux' as const, home: '/home/ana', cluster: 'ledger-prod', region: 'eu-west-1', a: 'https://A1B2C3D4E5F60718293A4B5C6D7E8F90.gr7.eu-west-1.eks.amazonaws.com', b: 'https://0A1B2C3D4E5F60718293A4B5C6D7E8F9.gr7.eu-west-1.eks.amazonaws.com' },
  { platform: 'darwin' as const, home: '/Users/ana', cluster: 'inventory_stage-2', region: 'ap-northeast-2', a: 'https://1122334455667788990011223344AABB.sk1.ap-northeast-2.eks.amazonaws.com', b: 'https://5F3C9A1E2B7D4C60A1B2C3D4E5F60718.sk1.ap-northeast-2.eks.amazonaws.com' },
]
type World = (typeof WORLDS)[number]

/** A kubeconfig as a Terraform template writes it: cluster "kubernetes", user "aws". */
function templated(o: { context: string; server: string; cluster: string; current?: boolean; withContext?: boolean }): string {
  return [
    'apiVersion: v1',
    'kind: Config',
    ...(o.current ? [`current-context: ${o.context}`] : []),
    'clusters:',
    '- name: kubernetes',
    `  cluster: {server: "${o.server}"}`,
    ...(o.withContext === false ? [] : ['contexts:', `- name: ${o.context}`, '  context: {cluster: kubernetes, user: aws}']),
    'users:',
    '- name: aws',
    '  user:',
    '    exec:',
    '      apiVersion: client.authentication.k8s.io/v1beta1',
    '      command: aws',
    `      args: [eks, get-token, --cluster-name, ${o.cluster}]`,
    '',
  ].join('\n')
}

function two(w: World, a: string, b: string) {
  const fa = `${w.home}/.kube/config`
  const fb = `${w.home}/.kube/${w.cluster}.yaml`
  return { fa, fb, env: fakeEnv({ platform: w.platform, home: w.home, vars: { KUBECONFIG: `${fa}:${fb}` }, files: { [fa]: a, [fb]: b } }) }
}

describe('kubeconfig.shadowed', () => {
  it.each(WORLDS)('$platform: the context in use resolves to the first file’s cluster and user: fail, with the renames in the second file', async (w) => {
    const { fa, fb, env } = two(w, templated({ context: 'other', server: w.a, cluster: 'other-eks', current: true }), templated({ context: 'stage', server: w.b, cluster: w.cluster }))
    const outcome = await runProbe(shadowedProbe, { env, target: { context: 'stage', cluster: w.cluster, region: w.region, sources: { context: '--context' } } })
    expect(outcome).toMatchObject({ status: 'fail', code: 'KUBECONFIG_SHADOWED', category: 'kubeconfig' })
    expect(outcome.detail).toBe(
      `context stage (${fb}) means its own cluster kubernetes (server ${w.b}), but kubectl uses the cluster kubernetes of ${fa} (server ${w.a}), the first KUBECONFIG file to define it; ` +
        `context stage (${fb}) means its own user aws (exec aws for ${w.cluster}), but kubectl uses the user aws of ${fa} (exec aws for other-eks), the first KUBECONFIG file to define it`,
    )
    const tag = w.cluster.replace(/[^A-Za-z0-9_-]+/g, '-')
    expect(outcome.fixes?.map((f) => f.commands)).toEqual([
      [
        `kubectl --kubeconfig ${fb} config set clusters.kubernetes-${tag}.server ${w.b}`,
        `kubectl --kubeconfig ${fb} config set-context stage --cluster=kubernetes-${tag}`,
        `kubectl --kubeconfig ${fb} config delete-cluster kubernetes`,
      ],
      [
        `kubectl --kubeconfig ${fb} config set-credentials aws-${tag} --exec-api-version=client.authentication.k8s.io/v1beta1 --exec-command=aws --exec-arg=eks --exec-arg=get-token --exec-arg=--cluster-name --exec-arg=${w.cluster}`,
        `kubectl --kubeconfig ${fb} config set-context stage --user=aws-${tag}`,
        `kubectl --kubeconfig ${fb} config delete-user aws`,
      ],
    ])
  })

  it('an entry of the first file that no context uses: the fix deletes it there', async () => {
    const w = WORLDS[0] as World
    const { fa, env } = two(w, templated({ context: 'x', server: w.a, cluster: 'old', withContext: false }), templated({ context: 'stage', server: w.b, cluster: w.cluster, current: true }))
    const outcome = await runProbe(shadowedProbe, { env, target: { context: 'stage', sources: { context: 'current-context' } } })
    expect(outcome.status).toBe('fail')
    expect(outcome.fixes?.map((f) => f.commands)).toEqual([[`kubectl --kubeconfig ${fa} config delete-cluster kubernetes`], [`kubectl --kubeconfig ${fa} config delete-user aws`]])
  })

  it.each(WORLDS)('$platform: --cluster: a context that targets the cluster only with its own file’s entries fails, and refines kubeconfig.context', async (w) => {
    const { fb, env } = two(w, templated({ context: 'other', server: w.a, cluster: 'other-eks', current: true }), templated({ context: 'stage', server: w.b, cluster: w.cluster }))
    const describe = clusterInfo({ name: w.cluster, endpoint: w.b, arn: `arn:aws:eks:${w.region}:123456789012:cluster/${w.cluster}` })
    const outcome = await runProbe(shadowedProbe, { env, target: { cluster: w.cluster, region: w.region, sources: { cluster: '--cluster' } }, data: { 'cluster.describe': describe, 'kubeconfig.context': [] } })
    expect(outcome.status).toBe('fail')
    expect(outcome.detail).toContain(`context stage (${fb}) means its own cluster kubernetes (server ${w.b})`)
    const failedContext = { id: 'kubeconfig.context', layer: 'kubeconfig', title: '', detail: '', evidence: {}, durationMs: 1, status: 'fail' } as CheckResult
    const refined = await runProbe(shadowedProbe, {
      env,
      target: { cluster: w.cluster, region: w.region, sources: { cluster: '--cluster' } },
      data: { 'cluster.describe': describe, 'kubeconfig.context': [{ name: 'stage', file: fb, foundBy: 'its server URL', current: false, problems: ['its server is stale'] }] },
      results: { 'kubeconfig.context': failedContext },
    })
    expect(refined).toMatchObject({ status: 'fail', refines: 'kubeconfig.context' })
  })

  it('an ignored entry that differs, outside the contexts that matter, and an ignored current-context: a warning', async () => {
    const w = WORLDS[0] as World
    const { fa, fb, env } = two(w, templated({ context: 'other', server: w.a, cluster: 'other-eks', current: true }), templated({ context: 'stage', server: w.b, cluster: w.cluster, current: true }))
    const outcome = await runProbe(shadowedProbe, { env, target: { endpoint: w.a, sources: { endpoint: '--endpoint' } } })
    expect(outcome).toMatchObject({ status: 'warn', code: 'KUBECONFIG_SHADOWED' })
    expect(outcome.detail).toBe(
      `cluster kubernetes is defined in ${fa} and ${fb}: kubectl uses ${fa}'s (server ${w.a}) and ignores ${fb}'s (server ${w.b}); ` +
        `user aws is defined in ${fa} and ${fb}: kubectl uses ${fa}'s (exec aws for other-eks) and ignores ${fb}'s (exec aws for ${w.cluster}); ` +
        `current-context other of ${fa} wins; stage of ${fb} is ignored (kubectl config use-context makes another one current)`,
    )
  })

  it('--cluster: a context name defined twice, whose hidden definition targets the cluster, fails with the rename', async () => {
    const w = WORLDS[0] as World
    const a = 'apiVersion: v1\nclusters:\n- name: a\n  cluster: {server: "https://10.9.9.9"}\ncontexts:\n- name: ops\n  context: {cluster: a, user: u}\nusers:\n- name: u\n  user: {token: t}\n'
    const b = `apiVersion: v1\nclusters:\n- name: arn:aws:eks:${w.region}:123456789012:cluster/${w.cluster}\n  cluster: {server: "${w.b}"}\ncontexts:\n- name: ops\n  context: {cluster: "arn:aws:eks:${w.region}:123456789012:cluster/${w.cluster}", user: u2}\nusers:\n- name: u2\n  user: {token: t2}\n`
    const { fa, fb, env } = two(w, a, b)
    const outcome = await runProbe(shadowedProbe, { env, target: { cluster: w.cluster, region: w.region, sources: {} }, data: { 'kubeconfig.context': [] } })
    expect(outcome.status).toBe('fail')
    expect(outcome.detail).toBe(`the context ops of ${fb} (cluster arn:aws:eks:${w.region}:123456789012:cluster/${w.cluster}, user u2) is never used: kubectl takes the context ops of ${fa} (cluster a, user u)`)
    expect(outcome.fixes?.[0]?.commands).toEqual([`kubectl --kubeconfig ${fb} config rename-context ops ops-${w.cluster}`])
  })

  it('the same entry in two files, or one file, passes; secrets are copied by kubectl, never printed', async () => {
    const w = WORLDS[0] as World
    const same = templated({ context: 'stage', server: w.b, cluster: w.cluster, current: true })
    expect((await runProbe(shadowedProbe, { env: two(w, same, same).env, target: { context: 'stage', sources: {} } })).status).toBe('pass')
    const one = fakeEnv({ home: w.home, files: { [`${w.home}/.kube/config`]: same } })
    expect(await runProbe(shadowedProbe, { env: one, target: { context: 'stage', sources: {} } })).toMatchObject({ status: 'pass', detail: `one kubeconfig file (${w.home}/.kube/config): no name can hide another` })
    const a = 'apiVersion: v1\ncontexts:\n- name: x\n  context: {cluster: c, user: me}\nusers:\n- name: me\n  user: {token: first-secret}\n'
    const b = 'apiVersion: v1\ncurrent-context: y\nclusters:\n- name: c\n  cluster: {server: "https://10.1.1.1"}\ncontexts:\n- name: y\n  context: {cluster: c, user: me}\nusers:\n- name: me\n  user: {token: second-secret}\n'
    const { fb, env } = two(w, a, b)
    const outcome = await runProbe(shadowedProbe, { env, target: { context: 'y', sources: {} } })
    expect(outcome.status).toBe('fail')
    expect(JSON.stringify(outcome)).not.toMatch(/first-secret|second-secret/)
    expect(outcome.fixes?.[0]?.commands[0]).toBe(`kubectl --kubeconfig ${fb} config set users.me-ledger-prod.token "$(kubectl --kubeconfig ${fb} config view --raw -o 'jsonpath={.users[?(@.name=="me")].user.token}')"`)
  })
})
