/** A Kubernetes name for the scenario's ConfigMap and TestRun (DNS-1123, at most 63 characters). */
export function k8sName(scenarioId: string): string {
  return `gameday-${scenarioId}`.slice(0, 63).replace(/-+$/, '');
}

/**
 * A k6-operator TestRun running the script from a ConfigMap on `parallelism` runners. k6 splits the
 * VUs and arrival rates among them (execution segments); each runner judges its own thresholds.
 */
export function testRunManifest(
  scenarioId: string,
  scriptFile: string,
  target: string,
  parallelism: number,
): string {
  const name = k8sName(scenarioId);
  return [
    `# k6-operator TestRun for the gameday scenario ${scenarioId}. The script goes in a ConfigMap first:`,
    `#   kubectl create configmap ${name} --from-file=${scriptFile}`,
    `#   kubectl apply -f ${scenarioId}.testrun.yaml`,
    '# The runner image needs k6 >= 0.57, which runs TypeScript as is.',
    'apiVersion: k6.io/v1alpha1',
    'kind: TestRun',
    'metadata:',
    `  name: ${name}`,
    'spec:',
    `  parallelism: ${parallelism}`,
    '  script:',
    '    configMap:',
    `      name: ${name}`,
    `      file: ${scriptFile}`,
    '  runner:',
    '    env:',
    '      - name: TARGET',
    `        value: ${JSON.stringify(target)}`,
    '',
  ].join('\n');
}
