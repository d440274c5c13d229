import { describe, expect, it } from 'vitest'
import { readView } from '../../../../src/probes/kubeconfig/scope.js'
import { fakeEnv, makeTarget } from '../../../helpers/fake-env.js'

const CONFIG = '/home/op/.kube/config'
const YAML = ['apiVersion: v1', 'kind: Config', 'current-context: ops', 'clusters: []', 'contexts:', '- name: ops', '  context: {cluster: c, user: u}', 'users: []', ''].join('\n')

describe('the kubeconfig the checks look at', () => {
  it('is read once per run and path, however many checks ask; another run reads it again', async () => {
    const env = fakeEnv({ vars: { KUBECONFIG: CONFIG }, files: { [CONFIG]: YAML } })
    const target = makeTarget({})
    const reads = await Promise.all([readView(env, target), readView(env, target), readView(env, target)])
    for (const read of reads) expect('view' in read && read.view.currentContext).toBe('ops')
    expect(env.record.reads.filter((p) => p === CONFIG)).toHaveLength(1)

    const next = fakeEnv({ vars: { KUBECONFIG: CONFIG }, files: { [CONFIG]: YAML.replace('current-context: ops', 'current-context: other') } })
    const again = await readView(next, target)
    expect('view' in again && again.view.currentContext).toBe('other')
  })

  it('a kubeconfig that cannot be read gives the same one line to every check', async () => {
    const env = fakeEnv({ vars: { KUBECONFIG: CONFIG }, files: { [CONFIG]: 'clusters: [' } })
    const [a, b] = await Promise.all([readView(env, makeTarget({})), readView(env, makeTarget({}))])
    expect(a).toEqual(b)
    expect('error' in a && a.error).toMatch(/\S/)
  })
})
