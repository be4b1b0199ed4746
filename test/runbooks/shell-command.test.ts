import { describe, expect, it } from 'vitest';
import {
  parameterChangesOf,
  planShellCommand,
  shellSegments,
  shellWords,
} from '../../src/runbooks/shell-command.ts';

/** How a runbook's shell command is read: its programs, and whether each means anything on the stack. */
describe('reading a runbook command as a shell would', () => {
  it('splits words with quotes and escapes as sh does', () => {
    expect(shellWords(`curl -H "Authorization: Bearer $FF_API_KEY" 'a b' c\\ d`)).toEqual([
      'curl',
      '-H',
      'Authorization: Bearer $FF_API_KEY',
      'a b',
      'c d',
    ]);
  });

  it('finds each program of a pipeline, not inside quotes or $(…)', () => {
    const segments = shellSegments(
      `kubectl logs deployment/chat-backend -n production | grep "a|b" && slack post "#x" "$(date | tr a b)"`,
    );
    expect(segments.map((segment) => segment.program)).toEqual(['kubectl', 'grep', 'slack']);
    expect(segments[1]!.words).toEqual(['grep', 'a|b']);
  });

  it('runs kubectl, curl, psql and text tools as written; says which only look', () => {
    expect(
      planShellCommand('kubectl rollout history deployment/chat-backend -n production | tail -5'),
    ).toEqual({
      kind: 'run',
      looks: true,
      programs: ['kubectl', 'tail'],
    });
    expect(planShellCommand('kubectl rollout undo deployment/chat-backend -n production')).toMatchObject({
      kind: 'run',
      looks: false,
    });
    expect(
      planShellCommand('curl https://chat-backend.internal/metrics | grep websocket_connections'),
    ).toMatchObject({
      looks: true,
    });
    expect(
      planShellCommand('curl -X POST https://feature-flags.internal/api/flags/attachment-uploads/disable'),
    ).toMatchObject({ kind: 'run', looks: false });
    expect(planShellCommand('psql -h db.internal -U chatuser -d chatdb')).toMatchObject({
      kind: 'run',
      looks: true,
    });
  });

  it('leaves to a person what has no local meaning, saying why', () => {
    expect(planShellCommand('slack post "#incidents" "Rolled back"')).toEqual({
      kind: 'manual',
      reason: '`slack` has no local meaning: a person does this step',
    });
    expect(
      planShellCommand('kubectl exec -it deployment/chat-backend -n production -- netstat -an | grep :3001'),
    ).toEqual({
      kind: 'manual',
      reason: '`kubectl exec` has no equivalent on this stack',
    });
    expect(planShellCommand('grep "401" /var/log/chat-backend.log | sort | uniq -c')).toMatchObject({
      kind: 'manual',
      reason: expect.stringMatching(/reads \/var\/log\/chat-backend\.log/),
    });
    expect(
      planShellCommand('kubectl set resources deployment/chat-backend --limits=memory=4Gi'),
    ).toMatchObject({
      kind: 'manual',
    });
  });

  it('carries a cloud parameter change out as its local equivalent', () => {
    const command =
      'aws rds modify-db-parameter-group --db-parameter-group-name chatdb-params --parameters "ParameterName=max_connections,ParameterValue=200,ApplyMethod=immediate"';
    expect(planShellCommand(command)).toEqual({
      kind: 'parameter',
      via: 'aws rds modify-db-parameter-group',
      changes: [{ name: 'max_connections', value: '200', applyMethod: 'immediate' }],
    });
    expect(
      parameterChangesOf([
        '--parameters',
        'ParameterName=work_mem,ParameterValue=64MB',
        'ParameterName=shared_buffers,ParameterValue=1GB,ApplyMethod=pending-reboot',
        '--apply',
      ]),
    ).toEqual([
      { name: 'work_mem', value: '64MB' },
      { name: 'shared_buffers', value: '1GB', applyMethod: 'pending-reboot' },
    ]);
    // Other aws commands stay a person's.
    expect(planShellCommand('aws rds promote-read-replica --db-instance-identifier x').kind).toBe('manual');
  });
});
