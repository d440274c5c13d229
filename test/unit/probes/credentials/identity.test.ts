import { describe, expect, it } from 'vitest'
import type { AwsCallOptions, AwsResult } from '../../../../src/aws/clients.js'
import type { CallerIdentity, RoleInfo } from '../../../../src/aws/identity.js'
import { identityProbe, type IdentityData } from '../../../../src/probes/credentials/identity.js'
import { awsError, fakeEnv, runProbe, type FakeEnvOptions } from '../../../helpers/fake-env.js'

const SEOUL_ENDPOINT = 'https://0A1B2C3D4E5F60718293A4B5C6D7E8F9.gr7.ap-northeast-2.eks.amazonaws.com'

const CONFIG = [
  '[default]',
  'region = us-east-1',
  '',
  '[profile eks-security-infra]',
  'sso_session = corp',
  'sso_account_id = 111122223333',
  'sso_role_name = EksSecurityInfra',
  'region = ap-northeast-2',
  '',
  '[profile platform-admin]',
  'role_arn = arn:aws:iam::444455556666:role/platform-admin',
  'source_profile = default',
  '',
  '[sso-session corp]',
  'sso_start_url = https://corp.awsapps.com/start',
  'sso_region = eu-west-1',
  '',
].join('\n')

const CREDENTIALS = ['[default]', 'aws_access_key_id = AKIDEXAMPLEEXAMPLE00', 'aws_secret_access_key = fake-secret-for-tests', '', '[legacy-ci]', 'aws_access_key_id = AKIDEXAMPLEEXAMPLE01', 'aws_secret_access_key = x', ''].join('\n')

const HOME_FILES = { '/home/tester/.aws/config': CONFIG, '/home/tester/.aws/credentials': CREDENTIALS }

function who(arn: string, clockOffsetMs = 0): AwsResult<CallerIdentity> {
  const account = /::(\d{12}):/.exec(arn)?.[1] ?? ''
  return { ok: true, value: { account, arn, userId: 'AROAEXAMPLEID:session', clockOffsetMs }, ms: 120 }
}

interface Setup {
  identity: AwsResult<CallerIdentity>
  role?: (name: string) => AwsResult<RoleInfo>
  files?: Record<string, string>
  vars?: FakeEnvOptions['vars']
}

function setup(s: Setup) {
  const identityCalls: AwsCallOptions[] = []
  const roleCalls: string[] = []
  const env = fakeEnv({
    vars: s.vars,
    files: s.files ?? HOME_FILES,
    aws: {
      calls: {
        getCallerIdentity: async (o) => {
          identityCalls.push(o)
          return s.identity
        },
        ...(s.role
          ? {
              getRole: async (name: string) => {
                roleCalls.push(name)
                return s.role!(name)
              },
            }
          : {}),
      },
    },
  })
  return { env, identityCalls, roleCalls }
}

describe('credentials.identity: no credentials', () => {
  const NO_CREDS = awsError('AWS_NO_CREDENTIALS', 'Could not load credentials from any providers', { errorName: 'CredentialsProviderError', action: 'sts:GetCallerIdentity' })

  it.each([
    { region: 'ap-northeast-2', cluster: 'eks-secure-infra-dev', profile: undefined, first: 'aws configure list-profiles' },
    { region: 'eu-west-1', cluster: 'payments-prod', profile: 'platform-admin', first: 'aws sso login --profile platform-admin' },
  ])('fails credentials when nothing else says where the endpoint is ($cluster, profile $profile)', async ({ region, cluster, profile, first }) => {
    const { env, identityCalls } = setup({ identity: NO_CREDS })
    const outcome = await runProbe(identityProbe, { env, target: { cluster, region, profile } })
    expect(outcome).toMatchObject({ status: 'fail', code: 'AWS_NO_CREDENTIALS', category: 'credentials' })
    expect(outcome.detail).toContain('no usable AWS credentials')
    expect(outcome.evidence).toMatchObject({ profile: profile ?? null, error: 'CredentialsProviderError' })
    expect(outcome.fixes?.[0]?.category).toBe('credentials')
    expect(outcome.fixes?.[0]?.commands[0]).toBe(first)
    expect(identityCalls).toEqual([expect.objectContaining({ region, profile })])
    expect(identityCalls[0]?.timeoutMs).toBeGreaterThan(0)
  })

  it('skips when the endpoint is known, so the path is still checked', async () => {
    const { env } = setup({ identity: NO_CREDS })
    const outcome = await runProbe(identityProbe, { env, target: { cluster: 'eks-secure-infra-dev', region: 'ap-northeast-2', endpoint: SEOUL_ENDPOINT } })
    expect(outcome).toMatchObject({ status: 'skip', code: 'AWS_NO_CREDENTIALS' })
    expect(outcome.detail).toBe('no AWS credentials: checking the path without AWS')
    expect(outcome.fixes).toBeUndefined()
  })

  it('does not apply to a bare endpoint without a cluster name, except in the audit', async () => {
    const { env } = setup({ identity: NO_CREDS })
    const skipped = await runProbe(identityProbe, { env, target: { endpoint: SEOUL_ENDPOINT } })
    expect(skipped).toMatchObject({ status: 'skip', detail: 'no cluster name: AWS is not needed for a bare endpoint' })
    const audited = await runProbe(identityProbe, { env, target: { region: 'eu-west-1' }, options: { mode: 'audit' } })
    expect(audited).toMatchObject({ status: 'fail', code: 'AWS_NO_CREDENTIALS' })
  })
})

describe('credentials.identity: expired sessions and clocks', () => {
  it.each([
    { profile: 'eks-security-infra', via: 'target' as const },
    { profile: 'platform-admin', via: 'AWS_PROFILE' as const },
  ])('an expired SSO session of $profile (from $via) asks for aws sso login --profile $profile', async ({ profile, via }) => {
    const { env } = setup({
      identity: awsError('AWS_SSO_EXPIRED', 'The SSO session associated with this profile has expired or is otherwise invalid.', { errorName: 'CredentialsProviderError' }),
      vars: via === 'AWS_PROFILE' ? { AWS_PROFILE: profile } : {},
    })
    const outcome = await runProbe(identityProbe, { env, target: { cluster: 'c', region: 'eu-west-1', ...(via === 'target' ? { profile } : {}) } })
    expect(outcome).toMatchObject({ status: 'fail', code: 'AWS_SSO_EXPIRED', category: 'credentials' })
    expect(outcome.detail).toContain(`the SSO session of profile ${profile} is expired or missing`)
    expect(outcome.fixes?.[0]?.commands).toEqual([`aws sso login --profile ${profile}`, `aws sts get-caller-identity --profile ${profile}`])
  })

  it('ExpiredToken: fresh temporary credentials', async () => {
    const { env } = setup({
      identity: awsError('AWS_EXPIRED_TOKEN', 'The security token included in the request is expired', { errorName: 'ExpiredToken' }),
    })
    const outcome = await runProbe(identityProbe, { env, target: { cluster: 'payments-prod', region: 'eu-west-1' } })
    expect(outcome).toMatchObject({ status: 'fail', code: 'AWS_EXPIRED_TOKEN', category: 'credentials' })
    expect(outcome.detail).toBe('the AWS session token has expired (ExpiredToken)')
    expect(outcome.fixes?.[0]?.commands[0]).toContain('unset AWS_ACCESS_KEY_ID AWS_SECRET_ACCESS_KEY AWS_SESSION_TOKEN')
  })

  it('a clock-skew error fails credentials with a clock fix that claims no offset it does not know', async () => {
    const { env } = setup({
      identity: awsError(
        'AWS_CLOCK_SKEW',
        'Signature expired: 20261129T024500Z is now earlier than 20261129T025500Z (20261129T030000Z - 5 min.)',
        { errorName: 'SignatureDoesNotMatch' },
      ),
    })
    const outcome = await runProbe(identityProbe, { env, target: { cluster: 'eks-secure-infra-dev', region: 'ap-northeast-2' } })
    expect(outcome).toMatchObject({ status: 'fail', code: 'AWS_CLOCK_SKEW', category: 'credentials' })
    expect(outcome.detail).toContain("this machine's clock is off")
    const fix = outcome.fixes?.[0]
    expect(fix?.title).toMatch(/clock/)
    expect(fix?.commands.join('\n')).toMatch(/sntp|timedatectl/)
    // The offset is unknown here (AWS refused the request); "0 min" would contradict the finding.
    expect(fix?.title).not.toMatch(/\b0 min\b/)
  })

  it.each([
    { offset: 7 * 60_000, words: '7 min behind AWS' },
    { offset: -12 * 60_000, words: '12 min ahead of AWS' },
  ])('a large clock offset on success fails credentials: $words', async ({ offset, words }) => {
    const arn = 'arn:aws:iam::111122223333:user/ops/alice'
    const { env } = setup({ identity: who(arn, offset) })
    const outcome = await runProbe(identityProbe, { env, target: { cluster: 'payments-prod', region: 'eu-west-1' } })
    expect(outcome).toMatchObject({ status: 'fail', code: 'AWS_CLOCK_SKEW', category: 'credentials' })
    expect(outcome.detail).toBe(`this machine's clock is ${words}: signed requests and EKS tokens will be refused`)
    expect(outcome.evidence).toMatchObject({ clockOffsetMs: offset, arn })
    expect(outcome.fixes?.[0]?.title).toContain(`(it is ${words})`)
    expect(outcome.fixes?.[0]?.commands.join('\n')).toMatch(/timedatectl/)
    // The identity is still known and handed on.
    expect((outcome.data as IdentityData).arn).toBe(arn)
  })

  it('an offset under five minutes passes', async () => {
    const { env } = setup({ identity: who('arn:aws:iam::111122223333:user/ops/alice', 4 * 60_000) })
    const outcome = await runProbe(identityProbe, { env, target: { cluster: 'payments-prod', region: 'eu-west-1' } })
    expect(outcome.status).toBe('pass')
  })
})

describe('credentials.identity: unknown profile', () => {
  it.each([
    { typed: 'eks-securty-infra', near: 'eks-security-infra' },
    { typed: 'legacy-cl', near: 'legacy-ci' },
  ])('$typed is not in ~/.aws/config or credentials: did you mean $near', async ({ typed, near }) => {
    const { env, identityCalls } = setup({ identity: who('arn:aws:iam::111122223333:user/x') })
    const outcome = await runProbe(identityProbe, { env, target: { cluster: 'eks-secure-infra-dev', region: 'ap-northeast-2', profile: typed } })
    expect(outcome).toMatchObject({ status: 'fail', code: 'AWS_UNKNOWN_PROFILE', category: 'credentials' })
    expect(outcome.detail).toBe(`no AWS profile "${typed}" in /home/tester/.aws/config or /home/tester/.aws/credentials; did you mean ${near}?`)
    const known = outcome.evidence?.knownProfiles as string[]
    expect([...known].sort()).toEqual(['default', 'eks-security-infra', 'legacy-ci', 'platform-admin'])
    expect(outcome.fixes?.[0]?.commands[0]).toBe(`export AWS_PROFILE=${near}`)
    // A missing profile is settled from the files alone.
    expect(identityCalls).toEqual([])
  })

  it('honours AWS_CONFIG_FILE and AWS_SHARED_CREDENTIALS_FILE', async () => {
    const { env, identityCalls } = setup({
      identity: who('arn:aws:iam::444455556666:user/deploy'),
      vars: { AWS_CONFIG_FILE: '/work/ci/aws-config', AWS_SHARED_CREDENTIALS_FILE: '/work/ci/aws-credentials', AWS_PROFILE: 'payments-prd' },
      files: {
        '/work/ci/aws-config': '[profile payments-prod]\nregion = eu-west-1\n',
        '/work/ci/aws-credentials': '[payments-stage]\naws_access_key_id = AKIDEXAMPLEEXAMPLE02\n',
        // Decoys at the default paths must not count.
        '/home/tester/.aws/config': '[profile payments-prd]\n',
      },
    })
    const outcome = await runProbe(identityProbe, { env, target: { cluster: 'payments-prod', region: 'eu-west-1' } })
    expect(outcome).toMatchObject({ status: 'fail', code: 'AWS_UNKNOWN_PROFILE' })
    expect(outcome.detail).toContain('no AWS profile "payments-prd" in /work/ci/aws-config or /work/ci/aws-credentials')
    expect(outcome.detail).toContain('did you mean payments-prod')
    expect(env.record.reads).toEqual(['/work/ci/aws-config', '/work/ci/aws-credentials'])
    expect(identityCalls).toEqual([])
  })

  it('a profile defined only in the credentials file is known', async () => {
    const { env } = setup({ identity: who('arn:aws:iam::111122223333:user/ci') })
    const outcome = await runProbe(identityProbe, { env, target: { cluster: 'payments-prod', region: 'eu-west-1', profile: 'legacy-ci' } })
    expect(outcome.status).toBe('pass')
  })
})

describe('credentials.identity: who the caller is', () => {
  it.each([
    {
      region: 'ap-northeast-2',
      arn: 'arn:aws:sts::111122223333:assumed-role/AWSReservedSSO_EksSecurityInfra_fedcba9876543210/jane.doe@example.com',
      role: 'AWSReservedSSO_EksSecurityInfra_fedcba9876543210',
      path: '/aws-reserved/sso.amazonaws.com/ap-northeast-2/',
      principal: 'arn:aws:iam::111122223333:role/aws-reserved/sso.amazonaws.com/ap-northeast-2/AWSReservedSSO_EksSecurityInfra_fedcba9876543210',
      session: 'jane.doe@example.com',
    },
    {
      region: 'eu-west-1',
      arn: 'arn:aws:sts::444455556666:assumed-role/eks-operators/botocore-session-1732848000',
      role: 'eks-operators',
      path: '/teams/platform/',
      principal: 'arn:aws:iam::444455556666:role/teams/platform/eks-operators',
      session: 'botocore-session-1732848000',
    },
  ])('an assumed role becomes its IAM role ARN with the path from iam:GetRole ($role)', async ({ region, arn, role, path, principal, session }) => {
    const { env, roleCalls } = setup({
      identity: who(arn),
      role: (name) => ({ ok: true, value: { arn: principal, path, name }, ms: 90 }),
    })
    const outcome = await runProbe(identityProbe, { env, target: { cluster: 'c', region } })
    expect(outcome.status).toBe('pass')
    expect(outcome.detail).toBe(`${arn} → principal ${principal}`)
    expect(roleCalls).toEqual([role])
    expect(outcome.data).toEqual({
      account: /::(\d{12}):/.exec(arn)?.[1],
      arn,
      kind: 'assumed-role',
      principalArn: principal,
      pathKnown: true,
      roleName: role,
      sessionName: session,
    })
    expect(outcome.evidence).toMatchObject({ arn, principalArn: principal, pathKnown: true, clockOffsetMs: 0 })
    // The account id is marked sensitive where it is created.
    expect(outcome.evidence?.account).toMatchObject({ $sensitive: 'account', raw: /::(\d{12}):/.exec(arn)?.[1] })
  })

  it.each([
    {
      arn: 'arn:aws:sts::111122223333:assumed-role/AWSReservedSSO_PlatformAdmin_0123456789abcdef/jane.doe@example.com',
      principal: 'arn:aws:iam::111122223333:role/AWSReservedSSO_PlatformAdmin_0123456789abcdef',
      sso: true,
    },
    { arn: 'arn:aws:sts::444455556666:assumed-role/eks-operators/ops', principal: 'arn:aws:iam::444455556666:role/eks-operators', sso: false },
  ])('iam:GetRole denied: passes with "path unknown" (SSO hint: $sso)', async ({ arn, principal, sso }) => {
    const { env } = setup({
      identity: who(arn),
      role: () => awsError('AWS_ACCESS_DENIED', 'User is not authorized to perform: iam:GetRole', { errorName: 'AccessDenied', action: 'iam:GetRole' }),
    })
    const outcome = await runProbe(identityProbe, { env, target: { cluster: 'c', region: 'eu-west-1' } })
    expect(outcome.status).toBe('pass')
    expect(outcome.detail).toContain(`${arn} → principal ${principal} (role path unknown: iam:GetRole is not allowed)`)
    if (sso) expect(outcome.detail).toContain('; SSO roles live under /aws-reserved/sso.amazonaws.com/')
    else expect(outcome.detail).not.toContain('aws-reserved')
    expect(outcome.data).toMatchObject({ principalArn: principal, pathKnown: false })
    expect(outcome.evidence).toMatchObject({ pathKnown: false, principalArn: principal })
  })

  it('iam:GetRole timing out says so in the note', async () => {
    const { env } = setup({
      identity: who('arn:aws:sts::444455556666:assumed-role/eks-operators/ops'),
      role: () => awsError('AWS_TIMEOUT', 'iam:GetRole did not answer in time: aborted', { action: 'iam:GetRole' }),
    })
    const outcome = await runProbe(identityProbe, { env, target: { cluster: 'c', region: 'eu-west-1' } })
    expect(outcome.status).toBe('pass')
    expect(outcome.detail).toContain('(role path unknown: iam:GetRole did not answer in time: aborted)')
  })

  it.each([
    { arn: 'arn:aws:iam::111122223333:user/division_abc/alice', kind: 'user' },
    { arn: 'arn:aws-us-gov:iam::210987654321:user/deploy', kind: 'user' },
    { arn: 'arn:aws:iam::111122223333:root', kind: 'root' },
  ])('$kind $arn is its own principal; no iam:GetRole', async ({ arn, kind }) => {
    // No getRole is given: calling it would fail the test loudly.
    const { env } = setup({ identity: who(arn) })
    const outcome = await runProbe(identityProbe, { env, target: { cluster: 'c', region: 'us-west-2' } })
    expect(outcome.status).toBe('pass')
    expect(outcome.detail).toBe(arn)
    expect(outcome.data).toMatchObject({ kind, principalArn: arn, pathKnown: true })
  })

  it('another STS error fails unconfirmed without an endpoint, and skips with one', async () => {
    const denied = awsError('AWS_ERROR', 'InvalidClientTokenId: The security token included in the request is invalid.', { errorName: 'InvalidClientTokenId' })
    const failed = await runProbe(identityProbe, { env: setup({ identity: denied }).env, target: { cluster: 'c', region: 'eu-west-1' } })
    expect(failed).toMatchObject({ status: 'fail', code: 'AWS_ERROR', category: 'credentials', confirmed: false })
    expect(failed.detail).toContain('sts:GetCallerIdentity failed: InvalidClientTokenId')
    const skipped = await runProbe(identityProbe, { env: setup({ identity: denied }).env, target: { cluster: 'c', region: 'eu-west-1', endpoint: SEOUL_ENDPOINT } })
    expect(skipped).toMatchObject({ status: 'skip', code: 'AWS_ERROR' })
  })
})
