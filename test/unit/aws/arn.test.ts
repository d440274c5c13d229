import { describe, expect, it } from 'vitest'
import { parsePrincipal, roleArnWithPath, type Principal } from '../../../src/aws/arn.js'

describe('parsePrincipal', () => {
  it.each<{ name: string; arn: string; want: Principal }>([
    {
      name: 'an SSO assumed role with an e-mail session name',
      arn: 'arn:aws:sts::111122223333:assumed-role/AWSReservedSSO_EksSecurityInfra_fedcba9876543210/jane.doe@example.com',
      want: {
        kind: 'assumed-role',
        partition: 'aws',
        account: '111122223333',
        roleName: 'AWSReservedSSO_EksSecurityInfra_fedcba9876543210',
        sessionName: 'jane.doe@example.com',
        iamArn: 'arn:aws:iam::111122223333:role/AWSReservedSSO_EksSecurityInfra_fedcba9876543210',
      },
    },
    {
      name: 'an assumed role whose session name contains slashes',
      arn: 'arn:aws:sts::444455556666:assumed-role/eks-operators/ci/github/run-42',
      want: {
        kind: 'assumed-role',
        partition: 'aws',
        account: '444455556666',
        roleName: 'eks-operators',
        sessionName: 'ci/github/run-42',
        iamArn: 'arn:aws:iam::444455556666:role/eks-operators',
      },
    },
    {
      name: 'an assumed role in aws-cn (instance profile session)',
      arn: 'arn:aws-cn:sts::123456789012:assumed-role/eks-admin/i-0a1b2c3d4e5f67890',
      want: {
        kind: 'assumed-role',
        partition: 'aws-cn',
        account: '123456789012',
        roleName: 'eks-admin',
        sessionName: 'i-0a1b2c3d4e5f67890',
        iamArn: 'arn:aws-cn:iam::123456789012:role/eks-admin',
      },
    },
    {
      name: 'an assumed role in aws-us-gov',
      arn: 'arn:aws-us-gov:sts::210987654321:assumed-role/GovPlatform/ops@agency.example',
      want: {
        kind: 'assumed-role',
        partition: 'aws-us-gov',
        account: '210987654321',
        roleName: 'GovPlatform',
        sessionName: 'ops@agency.example',
        iamArn: 'arn:aws-us-gov:iam::210987654321:role/GovPlatform',
      },
    },
    {
      name: 'an IAM user with a path',
      arn: 'arn:aws:iam::111122223333:user/division_abc/subdivision_xyz/alice',
      want: { kind: 'user', partition: 'aws', account: '111122223333', iamArn: 'arn:aws:iam::111122223333:user/division_abc/subdivision_xyz/alice' },
    },
    {
      name: 'an IAM user in aws-us-gov',
      arn: 'arn:aws-us-gov:iam::210987654321:user/deploy',
      want: { kind: 'user', partition: 'aws-us-gov', account: '210987654321', iamArn: 'arn:aws-us-gov:iam::210987654321:user/deploy' },
    },
    {
      name: 'the account root',
      arn: 'arn:aws:iam::111122223333:root',
      want: { kind: 'root', partition: 'aws', account: '111122223333', iamArn: 'arn:aws:iam::111122223333:root' },
    },
    {
      name: 'a federated user (GetFederationToken): no IAM principal to name',
      arn: 'arn:aws:sts::111122223333:federated-user/bob',
      want: { kind: 'federated-user', partition: 'aws', account: '111122223333' },
    },
    {
      name: 'an IAM role ARN with the SSO path',
      arn: 'arn:aws:iam::111122223333:role/aws-reserved/sso.amazonaws.com/eu-west-1/AWSReservedSSO_PlatformAdmin_0123456789abcdef',
      want: {
        kind: 'role',
        partition: 'aws',
        account: '111122223333',
        roleName: 'AWSReservedSSO_PlatformAdmin_0123456789abcdef',
        iamArn: 'arn:aws:iam::111122223333:role/aws-reserved/sso.amazonaws.com/eu-west-1/AWSReservedSSO_PlatformAdmin_0123456789abcdef',
      },
    },
    {
      name: 'an IAM group is not a caller',
      arn: 'arn:aws:iam::111122223333:group/admins',
      want: { kind: 'other', partition: 'aws', account: '111122223333' },
    },
  ])('$name', ({ arn, want }) => {
    expect(parsePrincipal(arn)).toEqual(want)
  })

  it.each(['', 'not-an-arn', 'arn:aws:sts::1234:assumed-role/r/s', 'arn:aws:eks:eu-west-1:111122223333:cluster/payments-prod'])('%j is other, with no account', (arn) => {
    expect(parsePrincipal(arn)).toEqual({ kind: 'other', partition: 'aws', account: '' })
  })
})

describe('roleArnWithPath', () => {
  it.each([
    {
      arn: 'arn:aws:sts::111122223333:assumed-role/AWSReservedSSO_PlatformAdmin_0123456789abcdef/jane@example.com',
      path: '/aws-reserved/sso.amazonaws.com/eu-west-1/',
      want: 'arn:aws:iam::111122223333:role/aws-reserved/sso.amazonaws.com/eu-west-1/AWSReservedSSO_PlatformAdmin_0123456789abcdef',
    },
    {
      // Older SSO roles have no region in the path.
      arn: 'arn:aws:sts::444455556666:assumed-role/AWSReservedSSO_ReadOnly_1a2b3c4d5e6f7a8b/ops',
      path: '/aws-reserved/sso.amazonaws.com/',
      want: 'arn:aws:iam::444455556666:role/aws-reserved/sso.amazonaws.com/AWSReservedSSO_ReadOnly_1a2b3c4d5e6f7a8b',
    },
    { arn: 'arn:aws:sts::444455556666:assumed-role/eks-operators/s', path: '/', want: 'arn:aws:iam::444455556666:role/eks-operators' },
    { arn: 'arn:aws:sts::444455556666:assumed-role/eks-operators/s', path: '', want: 'arn:aws:iam::444455556666:role/eks-operators' },
    { arn: 'arn:aws:sts::444455556666:assumed-role/eks-operators/s', path: 'teams/platform', want: 'arn:aws:iam::444455556666:role/teams/platform/eks-operators' },
    { arn: 'arn:aws-cn:sts::123456789012:assumed-role/eks-admin/i-0a1b', path: '/service-role/', want: 'arn:aws-cn:iam::123456789012:role/service-role/eks-admin' },
    { arn: 'arn:aws-us-gov:sts::210987654321:assumed-role/GovPlatform/x', path: '/gov/', want: 'arn:aws-us-gov:iam::210987654321:role/gov/GovPlatform' },
  ])('$path on $arn', ({ arn, path, want }) => {
    expect(roleArnWithPath(parsePrincipal(arn), path)).toBe(want)
  })
})
